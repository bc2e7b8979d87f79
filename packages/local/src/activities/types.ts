/**
 * The contract between the activity store and whoever schedules activity tasks (the state
 * machine engine, or a test before the engine exists). Workers see the other side of it over
 * the wire: GetActivityTask, SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat.
 */

/** How one activity task (or one `.waitForTaskToken` callback) ended. */
export type ActivityOutcome =
  /** A worker called SendTaskSuccess; `output` is its JSON text, unchanged. */
  | { readonly status: 'SUCCEEDED'; readonly output: string }
  /** A worker called SendTaskFailure; both fields are optional there, as in AWS. */
  | { readonly status: 'FAILED'; readonly error?: string; readonly cause?: string }
  /** `TimeoutSeconds` (from scheduling) or `HeartbeatSeconds` (from pick-up / last heartbeat) ran out. */
  | { readonly status: 'TIMED_OUT'; readonly error: 'States.Timeout' | 'States.HeartbeatTimeout' }
  /** The caller's `signal` aborted (execution stopped): the task is closed, its token answers TaskTimedOut. */
  | { readonly status: 'ABORTED' };

/** Options of {@link ActivityScheduler.schedule}; durations are simulated seconds (the clock's timeScale applies). */
export interface ScheduleOptions {
  /**
   * Longest gap allowed between pick-up (then each heartbeat) and the next heartbeat or close.
   * Mirrors the Task state's `HeartbeatSeconds`.
   * @defaultValue no heartbeat timeout
   */
  readonly heartbeatSeconds?: number;
  /**
   * Longest life of the task, counted from scheduling (queue time included, as observed on
   * AWS). Mirrors the Task state's `TimeoutSeconds`.
   * @defaultValue 99,999,999 s, AWS's default
   */
  readonly timeoutSeconds?: number;
  /** Aborting it closes the task at once with outcome `ABORTED` (e.g. StopExecution). */
  readonly signal?: AbortSignal;
  /** Called once, when a poller picks the task up, with the poll's `workerName` ('' if none). */
  readonly onStarted?: (workerName: string) => void;
  /** Called on each accepted SendTaskHeartbeat (for history events or progress). */
  readonly onHeartbeat?: () => void;
}

/** A callback token minted for a `.waitForTaskToken` task, and the outcome it will resolve with. */
export interface CallbackTask {
  /** The token to hand to the outside world (through `$$.Task.Token`). */
  readonly taskToken: string;
  /** Settles once SendTaskSuccess / SendTaskFailure is called with the token, or on timeout / abort. */
  readonly outcome: Promise<ActivityOutcome>;
}

/** Options of {@link ActivityScheduler.createCallback}; like {@link ScheduleOptions}, counted from creation. */
export interface CallbackOptions {
  /** @defaultValue no heartbeat timeout */
  readonly heartbeatSeconds?: number;
  /** @defaultValue 99,999,999 s */
  readonly timeoutSeconds?: number;
  readonly signal?: AbortSignal;
  readonly onHeartbeat?: () => void;
}

/**
 * What the state machine engine needs from the activity store: a narrow interface so its tests
 * can pass a plain object. `ActivityStore` (./activity-store.ts) implements it.
 */
export interface ActivityScheduler {
  /**
   * Queues a task on an activity (FIFO) and resolves with its outcome. Never rejects after it
   * was queued; rejects at once with `AwsError('ActivityDoesNotExist')` for an unknown ARN,
   * `AwsError('InvalidArn')` for a malformed one, or a `ValidationException` for bad options.
   * @example
   * const outcome = await activities.schedule(arn, '{"n":1}', { heartbeatSeconds: 30, timeoutSeconds: 600 });
   */
  schedule(activityArn: string, input: string, options?: ScheduleOptions): Promise<ActivityOutcome>;
  /**
   * Mints a task token that is not queued on any activity, for `.waitForTaskToken`
   * integrations: SendTaskSuccess / Failure / Heartbeat with it settle `outcome`.
   */
  createCallback(options?: CallbackOptions): CallbackTask;
}
