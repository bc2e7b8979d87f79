/**
 * What the generated state machine hands the activity workers (the input of GetActivityTask).
 * GetActivityTask carries no execution ARN and no timeouts, so the state's Parameters add a
 * `stepfleet` block from the context object and the spec. `@stepfleet/worker` reads it
 * (`StepfleetTaskContext`); extra fields here are ignored there.
 */

import type { JsonObject } from './job-spec.ts';

/** The `stepfleet` block of every activity task's input. */
export interface TaskContext {
  /** `batch` for a Map Run batch, `aggregate` for the aggregate step. */
  readonly kind: 'batch' | 'aggregate';
  /** The job's name. */
  readonly job: string;
  /**
   * `$$.Execution.Id`: for a batch, the Map Run's child execution (one per batch, the same
   * across its retries); for the aggregate step, the job's execution. Feeds the worker's seed.
   */
  readonly executionId: string;
  /** `$$.State.EnteredTime` (ISO 8601): the task's `timeoutSeconds` clock started about then. */
  readonly stateEnteredTime: string;
  /** `$$.State.RetryCount`: 0 on the first attempt. */
  readonly attempt: number;
  /** The state's `HeartbeatSeconds`. */
  readonly heartbeatSeconds: number;
  /** The state's `TimeoutSeconds`. */
  readonly timeoutSeconds: number;
}

/** The input of a batch task: what the ItemBatcher built, plus the `stepfleet` block. */
export interface BatchTaskInput<Item = unknown, BatchInput extends JsonObject = JsonObject> {
  readonly Items: readonly Item[];
  /** `batching.batchInput` (`{}` when the spec has none). */
  readonly BatchInput: BatchInput;
  readonly stepfleet: TaskContext;
}

/** The input of the aggregate task: where the Map Run wrote its results. */
export interface AggregateTaskInput<BatchInput extends JsonObject = JsonObject> {
  /** The Map Run that produced the results. */
  readonly MapRunArn: string;
  /** The ResultWriter's `manifest.json`: `{ Bucket, Key }`. */
  readonly ResultWriterDetails: { readonly Bucket: string; readonly Key: string };
  readonly BatchInput: BatchInput;
  readonly stepfleet: TaskContext;
}
