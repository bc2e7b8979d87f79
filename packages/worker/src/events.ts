import type { WorkerState } from './lifecycle.ts';

/** Fields every task event carries. */
export interface TaskEventInfo {
  readonly activityArn: string;
  /** Short hash of the task token (never the token). */
  readonly tokenHash: string;
  readonly executionId: string | undefined;
  readonly attempt: number | undefined;
}

/** The events of a worker (`worker.on(name, listener)`), each with its arguments. */
export interface WorkerEvents {
  /** The lifecycle state changed. */
  state: [change: { readonly from: WorkerState; readonly to: WorkerState }];
  /** A task was taken and handed to a thread. */
  taskStarted: [info: TaskEventInfo];
  /** A task's success was reported (`offloadedTo` when its output went to S3). */
  taskSucceeded: [info: TaskEventInfo & { readonly durationMs: number; readonly offloadedTo?: string }];
  /** A task's failure was reported under `error`. */
  taskFailed: [info: TaskEventInfo & { readonly durationMs: number; readonly error: string }];
  /** A heartbeat said the task is gone (TaskTimedOut...): its work was aborted, nothing reported. */
  taskLost: [info: TaskEventInfo & { readonly reason: string }];
  /** A report could not be delivered after every retry (the task will time out and retry). */
  reportUndelivered: [info: TaskEventInfo & { readonly error: unknown }];
  /** GetActivityTask failed (the poller backs off `delayMs`). */
  pollError: [info: { readonly activityArn: string; readonly error: unknown; readonly delayMs: number }];
  /** ECS task protection turned on or off. */
  protection: [info: { readonly enabled: boolean }];
}
