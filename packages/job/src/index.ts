export type {
  Catcher,
  DistributedMapState,
  FailState,
  ItemReader,
  PassState,
  Retrier,
  State,
  StateMachineDefinition,
  SucceedState,
  TaskState,
} from './asl.ts';
export type { ControllerFleet, ControllerRequest } from './controller-request.ts';
export {
  CAPACITY_MODES,
  DEFAULT_HEARTBEAT_SECONDS,
  DEFAULT_TASK_TIMEOUT_SECONDS,
  defineJob,
} from './define-job.ts';
export { FAILURE_PATH, generateDefinition, toJson } from './definition.ts';
export { JobSpecError, type JobSpecIssue } from './errors.ts';
export { FARGATE_CPU_VALUES, fargateMemoryFor, isValidFargateSize } from './fargate.ts';
export type { JobResources } from './job-resources.ts';
export type {
  ActivityTimeoutsInput,
  AggregateInput,
  BatchingInput,
  CapacityInput,
  CapacityStrategy,
  CapacityStrategyInput,
  CsvDelimiter,
  CsvSourceInput,
  FleetInput,
  ItemSource,
  ItemSourceInput,
  JobSpec,
  JobSpecInput,
  JsonObject,
  JsonSourceInput,
  JsonValue,
  ManifestSourceInput,
  ResultsInput,
  RetryPolicy,
  RetryPolicyInput,
  S3ObjectsSourceInput,
  ToleratedFailureInput,
  WorkerInput,
} from './job-spec.ts';
export * as limits from './limits.ts';
export {
  defaultTimeoutSeconds,
  desiredWorkers,
  plannedBatches,
  SCALE_DOWN_TIMEOUT_SECONDS,
  SCALE_UP_TIMEOUT_SECONDS,
} from './planning.ts';
export { DEFAULT_RETRYABLE_ERRORS, RETRY_DEFAULTS } from './resolve-retry.ts';
export { type ResourceNames, resourceNames } from './resource-names.ts';
export { SCALE_UP_WAIT_SECONDS } from './scale-steps.ts';
export { STATE_NAMES } from './state-names.ts';
export type { AggregateTaskInput, BatchTaskInput, TaskContext } from './task-input.ts';
