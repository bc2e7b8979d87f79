/**
 * One poll loop of one activity. It takes a slot *before* each GetActivityTask, so a task is
 * only ever taken when it can start at once, and it never aborts a poll in flight (a token is
 * delivered once: a cancelled poll can strand a task until its heartbeat timeout). To drain,
 * the worker closes the slots: the loop issues no new poll and ends when its open one returns.
 */
import type { ActivityApi } from './activity-api.ts';
import { backoffDelayMs, sleep } from './backoff.ts';
import type { Slots } from './slots.ts';

/** What a poller needs from the worker. */
export interface PollerContext {
  readonly sfn: ActivityApi;
  readonly slots: Slots;
  readonly activityArn: string;
  /** Recorded in the ActivityStarted event. */
  readonly workerName: string;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** Fires when the worker stops polling: cuts a backoff sleep short (never a poll). */
  readonly stopping: AbortSignal;
  /** Called before each poll (task protection); false means stop taking work. */
  beforePoll(): Promise<boolean>;
  /** A task arrived; it owns the slot and must call `releaseSlot` exactly once. */
  onTask(token: string, input: string, releaseSlot: () => void): void;
  onEmptyPoll(): void;
  onPollError(error: unknown, delayMs: number): void;
}

/** A poll loop; `inFlightSince` tells the health check whether a poll is stuck. */
export class Poller {
  readonly #ctx: PollerContext;
  /** When the open poll was issued (ms since the epoch), or null when none is open. */
  inFlightSince: number | null = null;
  /** When a poll last returned (task, empty or error). */
  lastReturnAt = Date.now();
  /** When a poll last succeeded (task or empty). */
  lastOkAt = Date.now();

  constructor(ctx: PollerContext) {
    this.#ctx = ctx;
  }

  /** Polls until the slots close or `beforePoll` refuses; resolves when its last poll returned. */
  async run(): Promise<void> {
    const ctx = this.#ctx;
    let failures = 0;
    while (!ctx.stopping.aborted) {
      if (!(await ctx.slots.acquire(ctx.activityArn))) return;
      let released = false;
      const releaseSlot = (): void => {
        if (released) return;
        released = true;
        ctx.slots.release(ctx.activityArn);
      };
      if (ctx.stopping.aborted || !(await ctx.beforePoll())) {
        releaseSlot();
        return;
      }
      this.inFlightSince = Date.now();
      try {
        const out = await ctx.sfn.getActivityTask(ctx.activityArn, ctx.workerName);
        failures = 0;
        this.lastOkAt = Date.now();
        ctx.slots.polled(ctx.activityArn, Boolean(out.taskToken));
        if (out.taskToken) {
          ctx.onTask(out.taskToken, out.input ?? '', releaseSlot);
        } else {
          releaseSlot();
          ctx.onEmptyPoll();
        }
      } catch (error) {
        ctx.slots.polled(ctx.activityArn, false);
        releaseSlot();
        // Stopping: the stop cut this poll (its client destroyed), or it failed as the loop ends
        // anyway; there is nothing to back off from, so it is no poll error.
        if (ctx.stopping.aborted) return;
        const delayMs = backoffDelayMs(failures++, ctx.backoffInitialMs, ctx.backoffMaxMs);
        ctx.onPollError(error, delayMs);
        await sleep(delayMs, ctx.stopping);
      } finally {
        this.inFlightSince = null;
        this.lastReturnAt = Date.now();
      }
    }
  }
}
