import { AwsError } from '../aws-error.ts';

/**
 * Step Functions' limits and naming rules for activities, as the API reference states them
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/ : CreateActivity,
 * GetActivityTask, SendTaskSuccess, SendTaskFailure; and the service quotas page).
 */
export const LIMITS = {
  /** Activity name length (CreateActivity `name`: 1..80). */
  nameMaxLength: 80,
  /** GetActivityTask `workerName`: 1..80. */
  workerNameMaxLength: 80,
  /** `activityArn` length: 1..256. */
  arnMaxLength: 256,
  /** Task token length (SendTask* `taskToken`: 1..2048). */
  taskTokenMaxLength: 2048,
  /** SendTaskSuccess `output` and task input: 262,144 bytes of UTF-8. */
  payloadMaxBytes: 262_144,
  /** SendTaskFailure `error`: 0..256 characters. */
  errorMaxLength: 256,
  /** SendTaskFailure `cause`: 0..32,768 characters. */
  causeMaxLength: 32_768,
  /** Concurrent GetActivityTask polls per activity ARN (ActivityWorkerLimitExceeded beyond). */
  pollersPerActivity: 1_000,
  /** Activities per account and region (quota; ActivityLimitExceeded beyond). */
  activitiesPerRegion: 10_000,
  /** Tags per resource (TooManyTags beyond). */
  tagsPerResource: 50,
  /** ListActivities `maxResults`: 0..1000, 0 meaning the default page of 100. */
  listMaxResults: 1_000,
  listDefaultResults: 100,
  /** AWS's default for TimeoutSeconds / HeartbeatSeconds when a state sets none. */
  defaultTimeoutSeconds: 99_999_999,
} as const;

// White space, brackets, wildcards, the listed specials, control characters (U+0000-001F,
// U+007F-009F, U+FFFE-FFFF) and lone surrogates are all refused by Step Functions.
const FORBIDDEN_IN_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}\ufffe\uffff\p{Cs}]/u;

/** Throws `InvalidName` unless `name` is a valid Step Functions resource name. */
export function assertValidName(name: string): void {
  if (name.length < 1 || name.length > LIMITS.nameMaxLength) {
    throw new AwsError(
      'InvalidName',
      `Invalid Name: '${name}' (length must be 1 to ${LIMITS.nameMaxLength})`,
    );
  }
  if (FORBIDDEN_IN_NAME.test(name)) {
    throw new AwsError('InvalidName', `Invalid Name: '${name}'`);
  }
}

const ACTIVITY_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):states:([a-z0-9-]+):(\d{12}):activity:(.+)$/;

/** The parts of an activity ARN. */
export interface ActivityArnParts {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly name: string;
}

/** The ARN of an activity, as Step Functions builds it. */
export function activityArn(region: string, accountId: string, name: string): string {
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return `arn:${partition}:states:${region}:${accountId}:activity:${name}`;
}

/** Parses an activity ARN, throwing `InvalidArn` (400) for anything that is not one. */
export function parseActivityArn(arn: string): ActivityArnParts {
  const match = arn.length <= LIMITS.arnMaxLength ? ACTIVITY_ARN.exec(arn) : null;
  if (!match) throw new AwsError('InvalidArn', `Invalid Arn: '${arn}' is not an activity ARN`);
  const [, partition, region, accountId, name] = match as unknown as [string, string, string, string, string];
  return { partition, region, accountId, name };
}
