/**
 * `@stepfleet/worker`: the Step Functions activity worker runtime. Handler modules import
 * `@stepfleet/worker/handler` instead.
 */

export { envVars, workerOptionsFromEnv } from './env.ts';
export type { StepfleetBatchInput, StepfleetTaskContext } from './envelope.ts';
export type { StepfleetErrorName } from './errors.ts';
export {
  ErrorNames,
  errorNameOf,
  HandlerTimeoutError,
  IllegalStateError,
  InputInvalidError,
  OutputTooLargeError,
  StepfleetWorkerError,
  WorkerCrashedError,
  WorkerInterruptedError,
} from './errors.ts';
export type { TaskEventInfo, WorkerEvents } from './events.ts';
export type {
  BatchContext,
  HandlerContext,
  HandlerDefinition,
  ItemContext,
  ItemFailure,
  ItemsReport,
  S3Helpers,
  S3Ref,
} from './handler.ts';
export type { HealthStatus } from './health.ts';
export { HEALTH_FILE_INTERVAL_MS, readHealthFile } from './health.ts';
export { jsonArrayElements } from './json-array-stream.ts';
export type { WorkerState } from './lifecycle.ts';
export type { MetricsSnapshot } from './metrics.ts';
export type { ActivityOptions, ResolvedActivity, ResolvedWorkerOptions, WorkerOptions } from './options.ts';
export { resolveWorkerOptions, workerDefaults } from './options.ts';
// Its exports are all public: the ResultWriter reader and its types.
export * from './result-writer.ts';
export type { S3Location } from './s3-helpers.ts';
export { createS3Helpers, resolveS3Ref } from './s3-helpers.ts';
export { MAX_CAUSE_CHARS, MAX_ERROR_CHARS, MAX_PAYLOAD_BYTES, truncateText } from './truncate.ts';
export { createWorker, Worker } from './worker.ts';
