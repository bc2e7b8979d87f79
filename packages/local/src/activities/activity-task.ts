import type { Clock } from '../clock.ts';
import type { ActivityOutcome } from './types.ts';

/** Where a task is in its life. `SCHEDULED` and `STARTED` are open; the rest are closed. */
export type TaskStatus = 'SCHEDULED' | 'STARTED' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** What tests and the control API see of one task (times are wall-clock ms since the epoch). */
export interface TaskRecord {
  /** Unique within the backend, in scheduling order. */
  readonly taskId: number;
  /** The activity it was queued on; `null` for a `.waitForTaskToken` callback. */
  readonly activityArn: string | null;
  /** A short hash of the task token (the token itself is a secret). */
  readonly tokenFingerprint: string;
  status: TaskStatus;
  /** For `TIMED_OUT`: `States.Timeout` or `States.HeartbeatTimeout`; for `FAILED`: the worker's error. */
  error: string | null;
  /** The `workerName` of the poll that picked it up ('' when the poll gave none). */
  workerName: string | null;
  readonly scheduledAt: number;
  startedAt: number | null;
  closedAt: number | null;
  heartbeats: number;
  /** True when it was handed to a poll whose client connection had already closed: nobody got it. */
  lostToClosedPoll: boolean;
}

/** What a task needs from its store: a narrow context, so a test can pass a plain object. */
export interface TaskContext {
  readonly clock: Clock;
  /** Called once, right after the task closed. */
  onClosed(task: ActivityTask): void;
}

/** Durations and hooks of one task (simulated ms, already validated). */
export interface TaskTimings {
  readonly heartbeatMs: number | undefined;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly onStarted: ((workerName: string) => void) | undefined;
  readonly onHeartbeat: (() => void) | undefined;
}

/**
 * One activity task (or callback) from scheduling to its outcome. It owns its timers:
 * TimeoutSeconds from scheduling, HeartbeatSeconds from pick-up and from each heartbeat.
 */
export class ActivityTask {
  readonly record: TaskRecord;
  readonly token: string;
  readonly input: string;
  readonly outcome: Promise<ActivityOutcome>;
  readonly #ctx: TaskContext;
  readonly #timings: TaskTimings;
  #resolve!: (outcome: ActivityOutcome) => void;
  #timeoutTimer: NodeJS.Timeout | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  readonly #onAbort = (): void => void this.close({ status: 'ABORTED' });

  constructor(
    ctx: TaskContext,
    ids: { taskId: number; token: string; fingerprint: string },
    activityArn: string | null,
    input: string,
    timings: TaskTimings,
  ) {
    this.#ctx = ctx;
    this.#timings = timings;
    this.token = ids.token;
    this.input = input;
    this.record = {
      taskId: ids.taskId,
      activityArn,
      tokenFingerprint: ids.fingerprint,
      status: 'SCHEDULED',
      error: null,
      workerName: null,
      scheduledAt: ctx.clock.now(),
      startedAt: null,
      closedAt: null,
      heartbeats: 0,
      lostToClosedPoll: false,
    };
    this.outcome = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    this.#timeoutTimer = ctx.clock.setTimeout(
      () => this.close({ status: 'TIMED_OUT', error: 'States.Timeout' }),
      timings.timeoutMs,
    );
    timings.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  get isOpen(): boolean {
    return this.record.status === 'SCHEDULED' || this.record.status === 'STARTED';
  }

  /** A poll picked the task up (`lost`: that poll's client had already gone). */
  start(workerName: string, lost: boolean): void {
    if (this.record.status !== 'SCHEDULED') return;
    this.record.status = 'STARTED';
    this.record.workerName = workerName;
    this.record.startedAt = this.#ctx.clock.now();
    this.record.lostToClosedPoll = lost;
    this.#armHeartbeat();
    this.#timings.onStarted?.(workerName);
  }

  /** SendTaskHeartbeat: restarts the HeartbeatSeconds window (never TimeoutSeconds). */
  heartbeat(): void {
    this.record.heartbeats++;
    this.#armHeartbeat();
    this.#timings.onHeartbeat?.();
  }

  /** Closes the task with `outcome`; false if it was already closed. */
  close(outcome: ActivityOutcome): boolean {
    if (!this.isOpen) return false;
    clearTimeout(this.#timeoutTimer);
    clearTimeout(this.#heartbeatTimer);
    this.#timeoutTimer = undefined;
    this.#heartbeatTimer = undefined;
    this.#timings.signal?.removeEventListener('abort', this.#onAbort);
    this.record.status = outcome.status;
    this.record.closedAt = this.#ctx.clock.now();
    if (outcome.status === 'TIMED_OUT') this.record.error = outcome.error;
    if (outcome.status === 'FAILED') this.record.error = outcome.error ?? null;
    this.#resolve(outcome);
    this.#ctx.onClosed(this);
    return true;
  }

  #armHeartbeat(): void {
    const heartbeatMs = this.#timings.heartbeatMs;
    if (heartbeatMs === undefined) return;
    clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = this.#ctx.clock.setTimeout(
      () => this.close({ status: 'TIMED_OUT', error: 'States.HeartbeatTimeout' }),
      heartbeatMs,
    );
  }
}
