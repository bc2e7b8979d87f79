/**
 * The Task resources the engine runs, parsed from their ARNs: activities, the optimized
 * `lambda:invoke`, and the `aws-sdk:ecs:*` / `aws-sdk:s3:*` SDK integrations, each optionally
 * with `.waitForTaskToken`.
 */

/** A parsed Task `Resource`. */
export type TaskResource =
  | { readonly kind: 'activity'; readonly arn: string }
  | { readonly kind: 'lambda'; readonly waitForTaskToken: boolean }
  | {
      readonly kind: 'aws-sdk';
      readonly service: 'ecs' | 's3';
      readonly action: string;
      readonly waitForTaskToken: boolean;
    };

/** The SDK actions served by the local ECS and S3 (camelCase, as ASL names them). */
const SDK_ACTIONS: Readonly<Record<'ecs' | 's3', readonly string[]>> = {
  ecs: [
    'updateService',
    'describeServices',
    'listServices',
    'listTasks',
    'describeTasks',
    'stopTask',
    'describeClusters',
    'updateTaskProtection',
    'getTaskProtection',
  ],
  s3: ['getObject', 'putObject', 'headObject', 'deleteObject', 'listObjectsV2'],
};

/** The parameters each `aws-sdk:s3` action takes here (others are refused, never ignored). */
export const S3_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  getObject: ['Bucket', 'Key'],
  putObject: ['Bucket', 'Key', 'Body', 'ContentType'],
  headObject: ['Bucket', 'Key'],
  deleteObject: ['Bucket', 'Key'],
  listObjectsV2: ['Bucket', 'Prefix', 'Delimiter', 'StartAfter', 'MaxKeys', 'ContinuationToken'],
};

const ACTIVITY = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:activity:[A-Za-z0-9_-]{1,80}$/;
const LAMBDA = /^arn:aws[a-z-]*:states:::lambda:invoke(\.waitForTaskToken)?$/;
const SDK = /^arn:aws[a-z-]*:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)(\.waitForTaskToken)?$/;

/** Parses a Task resource, or returns a sentence saying why it is not supported. */
export function parseResource(resource: string): TaskResource | string {
  if (ACTIVITY.test(resource)) return { kind: 'activity', arn: resource };
  const lambda = LAMBDA.exec(resource);
  if (lambda) return { kind: 'lambda', waitForTaskToken: Boolean(lambda[1]) };
  const sdk = SDK.exec(resource);
  if (sdk) {
    const service = sdk[1] as string;
    if (service !== 'ecs' && service !== 's3') {
      return `the aws-sdk service '${service}' is not served by stepfleet local (ecs and s3 are)`;
    }
    const action = sdk[2]!;
    if (!SDK_ACTIONS[service].includes(action)) {
      return `the action ${service}:${action} is not supported (supported: ${SDK_ACTIONS[service].join(', ')})`;
    }
    return { kind: 'aws-sdk', service, action, waitForTaskToken: Boolean(sdk[3]) };
  }
  if (resource.endsWith('.sync') || resource.includes('.sync:')) {
    return `the .sync integration pattern is not supported by stepfleet local: ${resource}`;
  }
  return `the resource '${resource}' is not supported by stepfleet local (activity ARNs, arn:aws:states:::lambda:invoke and arn:aws:states:::aws-sdk:ecs|s3:<action> are)`;
}

/** Whether the resource needs a STANDARD workflow (activities and callbacks cannot run in EXPRESS). */
export const needsStandard = (r: TaskResource): boolean =>
  r.kind === 'activity' || ('waitForTaskToken' in r && r.waitForTaskToken);
