import { Checker, describe } from './checker.ts';
import { JobSpecError } from './errors.ts';
import type { JobSpec } from './job-spec.ts';
import { bucketNameProblem } from './s3-names.ts';

/**
 * The deployed resources a definition refers to. Values may be CDK tokens (`${Token[...]}`):
 * the generator only places them, it never parses them.
 */
export interface JobResources {
  /** ARN of the batch activity the workers poll. */
  readonly activityArn: string;
  /** ARN of the aggregate step's activity: required exactly when the job has an aggregate step. */
  readonly aggregateActivityArn?: string;
  /** ECS cluster (name or ARN) of the worker service. */
  readonly cluster: string;
  /** ECS service (name or ARN) of the workers. */
  readonly service: string;
  /**
   * The bucket the items are read from. Required when the spec's `items.bucket` is unset; when
   * both are set they must be equal.
   */
  readonly inputBucket?: string;
  /** The bucket the results are written to; same rule with `results.bucket`. */
  readonly resultsBucket?: string;
  /**
   * The fleet controller function. Absent: ScaleUp / ScaleDown call ECS UpdateService
   * directly (ScaleUp to the size the job needs, ScaleDown to 0), which is right for one run
   * at a time only.
   */
  readonly controller?: { readonly functionName: string };
}

/** {@link JobResources} checked against a job, with the buckets settled. */
export interface ResolvedResources extends JobResources {
  readonly inputBucket: string;
  readonly resultsBucket: string;
}

const CDK_TOKEN = /\$\{Token\[/;

/** Checks `resources` against `job`. @throws JobSpecError naming each bad field (`resources.*`) */
export function resolveResources(job: JobSpec, resources: JobResources): ResolvedResources {
  const c = new Checker();
  const r = c.object(
    'resources',
    resources,
    [
      'activityArn',
      'aggregateActivityArn',
      'cluster',
      'service',
      'inputBucket',
      'resultsBucket',
      'controller',
    ],
    false,
  );
  if (!r) throw new JobSpecError(c.issues, 'job resources');
  const nonEmpty = (s: string) => (s.trim() === '' ? 'must not be empty' : undefined);
  for (const field of ['cluster', 'service'] as const)
    c.string(`resources.${field}`, r[field], undefined, nonEmpty);
  c.string('resources.activityArn', r.activityArn, undefined, activityArnProblem);
  if (job.aggregate && r.aggregateActivityArn === undefined) {
    c.report('resources.aggregateActivityArn', 'is required: the job has an aggregate step');
  } else if (!job.aggregate && r.aggregateActivityArn !== undefined) {
    c.report('resources.aggregateActivityArn', 'is given but the job has no aggregate step');
  } else if (r.aggregateActivityArn !== undefined) {
    c.string('resources.aggregateActivityArn', r.aggregateActivityArn, undefined, activityArnProblem);
  }
  if (r.controller !== undefined) {
    const ctl = c.object('resources.controller', r.controller, ['functionName'], false);
    if (ctl) c.string('resources.controller.functionName', ctl.functionName, undefined, nonEmpty);
  }
  const inputBucket = settleBucket(c, 'inputBucket', r.inputBucket, 'items.bucket', job.items.bucket);
  const resultsBucket = settleBucket(
    c,
    'resultsBucket',
    r.resultsBucket,
    'results.bucket',
    job.results.bucket,
  );
  if (c.issues.length > 0) throw new JobSpecError(c.issues, 'job resources');
  return { ...resources, inputBucket: inputBucket!, resultsBucket: resultsBucket! };
}

function activityArnProblem(arn: string): string | undefined {
  if (arn.trim() === '') return 'must not be empty';
  if (CDK_TOKEN.test(arn) || !arn.startsWith('arn:')) return undefined;
  return /^arn:[\w-]+:states:[\w-]*:\d*:activity:[\w-]{1,80}$/.test(arn)
    ? undefined
    : `must be an activity ARN (arn:aws:states:<region>:<account>:activity:<name>), got ${describe(arn)}`;
}

function settleBucket(
  c: Checker,
  field: string,
  given: unknown,
  specField: string,
  fromSpec: string | undefined,
): string | undefined {
  const path = `resources.${field}`;
  if (given === undefined) {
    if (fromSpec === undefined) c.report(path, `is required: the spec's ${specField} is not set`);
    return fromSpec;
  }
  const bucket = c.string(path, given, undefined, (s) =>
    CDK_TOKEN.test(s) ? undefined : bucketNameProblem(s),
  );
  if (bucket !== undefined && fromSpec !== undefined && bucket !== fromSpec) {
    c.report(
      path,
      `is ${describe(bucket)} but the spec's ${specField} is ${describe(fromSpec)}: name the bucket once`,
    );
  }
  return bucket;
}
