import { AwsError, validationError } from '../aws-error.ts';
import {
  assertKnownFields,
  decodeNextToken,
  encodeNextToken,
  type JsonInput,
  readArray,
  readInteger,
  readObject,
  readString,
} from '../json-input.ts';
import type { JsonOperation } from '../service.ts';
import type { ActivityDescription, ActivityStore, EncryptionConfiguration } from './activity-store.ts';
import { LIMITS } from './limits.ts';

/**
 * The Step Functions activity operations over AWS JSON 1.0, one handler per operation: each
 * reads and checks its fields (naming the field in every error), then calls the store.
 * Timestamps are epoch seconds, as the protocol serializes them.
 */
export function activityOperations(store: ActivityStore): Record<string, JsonOperation> {
  return {
    CreateActivity(input, ctx) {
      assertKnownFields(input, ['name', 'tags', 'encryptionConfiguration'], 'CreateActivity');
      const name = readString(input, 'name', { required: true });
      const activity = store.create(ctx.region, ctx.accountId, name, readTags(input), readEncryption(input));
      return { activityArn: activity.activityArn, creationDate: epochSeconds(activity.creationDate) };
    },

    DescribeActivity(input) {
      assertKnownFields(input, ['activityArn'], 'DescribeActivity');
      const activity = store.describe(readArn(input));
      return {
        activityArn: activity.activityArn,
        name: activity.name,
        creationDate: epochSeconds(activity.creationDate),
        ...(activity.encryptionConfiguration
          ? { encryptionConfiguration: activity.encryptionConfiguration }
          : {}),
      };
    },

    ListActivities(input, ctx) {
      assertKnownFields(input, ['maxResults', 'nextToken'], 'ListActivities');
      const maxResults =
        readInteger(input, 'maxResults', 0, LIMITS.listMaxResults) || LIMITS.listDefaultResults;
      const nextToken = readString(input, 'nextToken', { minLength: 1, maxLength: 1024 });
      const after = nextToken === undefined ? 0 : decodeNextToken(nextToken);
      const page = store.list(ctx.region, maxResults, after);
      return {
        activities: page.activities.map(listItem),
        ...(page.last !== undefined ? { nextToken: encodeNextToken(page.last) } : {}),
      };
    },

    DeleteActivity(input) {
      assertKnownFields(input, ['activityArn'], 'DeleteActivity');
      store.delete(readArn(input));
      return {};
    },

    async GetActivityTask(input, ctx) {
      assertKnownFields(input, ['activityArn', 'workerName'], 'GetActivityTask');
      const arn = readArn(input);
      const workerName = readString(input, 'workerName', {
        minLength: 1,
        maxLength: LIMITS.workerNameMaxLength,
      });
      const task = await store.poll(arn, workerName ?? '', ctx.clientGone);
      return task ?? {};
    },

    SendTaskSuccess(input) {
      assertKnownFields(input, ['taskToken', 'output'], 'SendTaskSuccess');
      const taskToken = readToken(input);
      const output = readString(input, 'output', { required: true, minLength: 0 });
      if (Buffer.byteLength(output, 'utf8') > LIMITS.payloadMaxBytes) {
        throw new AwsError('InvalidOutput', `Invalid Output: output exceeds ${LIMITS.payloadMaxBytes} bytes`);
      }
      if (!isJson(output)) throw new AwsError('InvalidOutput', 'Invalid Output: output is not valid JSON');
      store.succeed(taskToken, output);
      return {};
    },

    SendTaskFailure(input) {
      assertKnownFields(input, ['taskToken', 'error', 'cause'], 'SendTaskFailure');
      const taskToken = readToken(input);
      const error = readString(input, 'error', { maxLength: LIMITS.errorMaxLength });
      const cause = readString(input, 'cause', { maxLength: LIMITS.causeMaxLength });
      store.fail(taskToken, error, cause);
      return {};
    },

    SendTaskHeartbeat(input) {
      assertKnownFields(input, ['taskToken'], 'SendTaskHeartbeat');
      store.heartbeat(readToken(input));
      return {};
    },
  };
}

function readArn(input: JsonInput): string {
  return readString(input, 'activityArn', { required: true, maxLength: LIMITS.arnMaxLength });
}

function readToken(input: JsonInput): string {
  return readString(input, 'taskToken', { required: true, maxLength: LIMITS.taskTokenMaxLength });
}

function readTags(input: JsonInput): ActivityDescription['tags'] {
  const tags = readArray(input, 'tags') ?? [];
  if (tags.length > LIMITS.tagsPerResource) {
    throw new AwsError('TooManyTags', `Too many tags: at most ${LIMITS.tagsPerResource}`);
  }
  return tags.map((tag, i) => {
    if (typeof tag !== 'object' || tag === null) throw validationError(`tags[${i}] must be an object`);
    const t = tag as JsonInput;
    assertKnownFields(t, ['key', 'value'], `CreateActivity tags[${i}]`);
    const key = readString(t, 'key', { required: true, maxLength: 128 });
    const value = readString(t, 'value', { maxLength: 256 }) ?? '';
    return { key, value };
  });
}

/** Accepted and echoed by DescribeActivity; stepfleet local keeps its data in memory unencrypted. */
function readEncryption(input: JsonInput): EncryptionConfiguration | undefined {
  const config = readObject(input, 'encryptionConfiguration');
  if (!config) return undefined;
  assertKnownFields(config, ['type', 'kmsKeyId', 'kmsDataKeyReusePeriodSeconds'], 'encryptionConfiguration');
  const invalid = (why: string) =>
    new AwsError('InvalidEncryptionConfiguration', `Invalid encryptionConfiguration: ${why}`);
  const type = config.type;
  if (type !== 'AWS_OWNED_KEY' && type !== 'CUSTOMER_MANAGED_KMS_KEY') {
    throw invalid("type must be 'AWS_OWNED_KEY' or 'CUSTOMER_MANAGED_KMS_KEY'");
  }
  const kmsKeyId = readString(config, 'kmsKeyId', { minLength: 1, maxLength: 2048 });
  const reuse = config.kmsDataKeyReusePeriodSeconds;
  if (type === 'CUSTOMER_MANAGED_KMS_KEY' && kmsKeyId === undefined) {
    throw invalid('kmsKeyId is required for CUSTOMER_MANAGED_KMS_KEY');
  }
  if (
    reuse !== undefined &&
    !(Number.isInteger(reuse) && (reuse as number) >= 60 && (reuse as number) <= 900)
  ) {
    throw invalid('kmsDataKeyReusePeriodSeconds must be an integer from 60 to 900');
  }
  return {
    type,
    ...(kmsKeyId !== undefined ? { kmsKeyId } : {}),
    ...(reuse !== undefined ? { kmsDataKeyReusePeriodSeconds: reuse as number } : {}),
  };
}

function listItem(activity: ActivityDescription) {
  return {
    activityArn: activity.activityArn,
    name: activity.name,
    creationDate: epochSeconds(activity.creationDate),
  };
}

function epochSeconds(ms: number): number {
  return ms / 1000;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
