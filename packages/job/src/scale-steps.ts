import type { Retrier, TaskState } from './asl.ts';
import type { ControllerRequest } from './controller-request.ts';
import type { ResolvedResources } from './job-resources.ts';
import type { JobSpec, JsonObject } from './job-spec.ts';
import {
  desiredWorkers,
  plannedBatches,
  SCALE_DOWN_TIMEOUT_SECONDS,
  SCALE_UP_TIMEOUT_SECONDS,
} from './planning.ts';

/**
 * How long ScaleUp lets the controller wait for workers to run. Activity tasks count their wait
 * for a worker against `TimeoutSeconds`, so starting the Map Run on an empty fleet (a Fargate task
 * takes a minute or two) could time out short batches. Below {@link SCALE_UP_TIMEOUT_SECONDS}.
 */
export const SCALE_UP_WAIT_SECONDS = 240;

/**
 * Transient errors of `lambda:invoke`: the ones AWS recommends retrying, plus throttling.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
 */
const LAMBDA_TRANSIENT: Retrier = {
  ErrorEquals: [
    'Lambda.ClientExecutionTimeoutException',
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
  IntervalSeconds: 1,
  MaxAttempts: 5,
  BackoffRate: 2,
  MaxDelaySeconds: 20,
  JitterStrategy: 'FULL',
};

/** Transient errors of the ECS UpdateService SDK integration (`Ecs.<ExceptionName>`). */
const ECS_TRANSIENT: Retrier = {
  ErrorEquals: ['Ecs.ServerException', 'Ecs.ThrottlingException'],
  IntervalSeconds: 1,
  MaxAttempts: 5,
  BackoffRate: 2,
  MaxDelaySeconds: 20,
  JitterStrategy: 'FULL',
};

/** The batches the spec knows a run will have (a trial run's cap), else undefined. */
export function knownBatches(job: JobSpec): number | undefined {
  const cap = job.items.maxItems;
  return cap === undefined ? undefined : plannedBatches(job, cap);
}

/**
 * A ScaleUp or ScaleDown Task (without Next/Catch): `lambda:invoke` of the controller with a
 * {@link ControllerRequest}, or ECS UpdateService setting desiredCount when there is no controller.
 * Its result is dropped (`ResultPath: null`): the state's data passes through unchanged.
 */
export function scaleTask(
  action: ControllerRequest['action'],
  job: JobSpec,
  resources: ResolvedResources,
): TaskState {
  const timeoutSeconds = action === 'scaleUp' ? SCALE_UP_TIMEOUT_SECONDS : SCALE_DOWN_TIMEOUT_SECONDS;
  const batches = knownBatches(job);
  if (resources.controller) {
    const payload = {
      action,
      'executionArn.$': '$$.Execution.Id',
      jobName: job.name,
      fleet: {
        cluster: resources.cluster,
        service: resources.service,
        minWorkers: job.fleet.minWorkers,
        maxWorkers: job.fleet.maxWorkers,
        slotsPerWorker: job.worker.threads,
        itemsPerBatch: job.batching.maxItems,
        tailBatches: job.aggregate ? 1 : 0,
      },
      maxConcurrency: job.maxConcurrency,
      ...(batches === undefined ? {} : { plannedBatches: batches }),
      ...(action === 'scaleUp' ? { waitForWorkersSeconds: SCALE_UP_WAIT_SECONDS } : {}),
    } satisfies Record<string, unknown> & Omit<ControllerRequest, 'executionArn'>;
    return {
      Type: 'Task',
      Comment: `Fleet controller: ${action}`,
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: resources.controller.functionName, Payload: payload as JsonObject },
      ResultPath: null,
      TimeoutSeconds: timeoutSeconds,
      Retry: [LAMBDA_TRANSIENT],
    };
  }
  const desiredCount = action === 'scaleUp' ? desiredWorkers(job, batches) : 0;
  return {
    Type: 'Task',
    Comment: `ECS UpdateService: desiredCount ${desiredCount} (no controller)`,
    Resource: 'arn:aws:states:::aws-sdk:ecs:updateService',
    Parameters: { Cluster: resources.cluster, Service: resources.service, DesiredCount: desiredCount },
    ResultPath: null,
    TimeoutSeconds: timeoutSeconds,
    Retry: [ECS_TRANSIENT],
  };
}
