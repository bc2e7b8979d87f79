/**
 * Heartbeats for every task token held, from the main thread. One timer serves all tokens
 * (coalesced); each token's next beat is jittered up to 20 % early so beats of tasks started
 * together spread out; a token bucket caps beats per second, earliest deadline first.
 * It depends only on {@link HeartbeatContext}, so a test passes a plain object.
 */
import { TokenBucket } from './token-bucket.ts';

/** What the heartbeater needs from the worker. */
export interface HeartbeatContext {
  /**
   * Sends SendTaskHeartbeat, giving up after `timeoutMs` (a beat stuck longer than an interval
   * is worth less than the next one; unlike a poll, abandoning it loses nothing). Throws what
   * the SDK throws.
   */
  send(token: string, timeoutMs: number): Promise<void>;
  /** Whether an error means the task is gone (TaskTimedOut, TaskDoesNotExist, InvalidToken). */
  isTaskGone(error: unknown): boolean;
  /** Called once when a token's task is gone: abort its work, free its slot, report nothing. */
  onTaskLost(token: string, error: unknown): void;
  /** Called on a failed beat that will be retried (throttling, 5xx, network). */
  onError?(token: string, error: unknown): void;
  /** Called after each beat with how late it was against its schedule, in ms. */
  onSent?(lagMs: number): void;
}

/** Settings of a {@link Heartbeater}. */
export interface HeartbeatSettings {
  /** Most beats per second (token bucket refill; its capacity is one second's worth). */
  readonly maxPerSecond: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

interface Held {
  readonly intervalMs: number;
  nextAt: number;
  lastSentAt: number;
  inFlight: boolean;
}

/** Keeps every held task token alive until it is released. */
export class Heartbeater {
  readonly #ctx: HeartbeatContext;
  readonly #held = new Map<string, Held>();
  readonly #bucket: TokenBucket;
  readonly #now: () => number;
  readonly #random: () => number;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(ctx: HeartbeatContext, settings: HeartbeatSettings) {
    this.#ctx = ctx;
    this.#now = settings.now ?? Date.now;
    this.#random = settings.random ?? Math.random;
    this.#bucket = new TokenBucket(Math.max(1, settings.maxPerSecond), settings.maxPerSecond, this.#now);
  }

  /** Tokens held. */
  get size(): number {
    return this.#held.size;
  }

  /** Starts heartbeating `token` every `intervalMs` (jittered up to 20 % early). */
  hold(token: string, intervalMs: number): void {
    const now = this.#now();
    this.#held.set(token, {
      intervalMs,
      nextAt: now + this.#jittered(intervalMs),
      lastSentAt: now,
      inFlight: false,
    });
    this.#arm();
  }

  /** Stops heartbeating `token` (reported, lost or given up). */
  release(token: string): void {
    this.#held.delete(token);
  }

  /**
   * Asks for a beat soon (the handler called `heartbeat()`): coalesced into the schedule, never
   * more often than once per quarter interval per token.
   */
  request(token: string): void {
    const h = this.#held.get(token);
    if (!h) return;
    h.nextAt = Math.min(h.nextAt, h.lastSentAt + h.intervalMs / 4);
    this.#arm();
  }

  /** Stops all timers; tokens are forgotten. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#held.clear();
  }

  #jittered(intervalMs: number): number {
    return intervalMs * (1 - 0.2 * this.#random());
  }

  #arm(): void {
    if (this.#closed) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const h of this.#held.values()) if (!h.inFlight && h.nextAt < earliest) earliest = h.nextAt;
    if (earliest === Number.POSITIVE_INFINITY || earliest >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = earliest;
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, earliest - this.#now()));
    this.#timer.unref();
  }

  #tick(): void {
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.#now();
    const due = [...this.#held.entries()]
      .filter(([, h]) => !h.inFlight && h.nextAt <= now)
      .sort((a, b) => a[1].nextAt - b[1].nextAt);
    for (const [token, h] of due) {
      if (!this.#bucket.tryTake()) {
        // Over budget: the rest wait for the next token, earliest deadline first.
        const wait = this.#bucket.msUntilToken();
        for (const [, later] of due) if (!later.inFlight && later.nextAt <= now) later.nextAt = now + wait;
        break;
      }
      void this.#beat(token, h, now);
    }
    this.#arm();
  }

  async #beat(token: string, h: Held, now: number): Promise<void> {
    h.inFlight = true;
    const lagMs = Math.max(0, now - h.nextAt);
    try {
      await this.#ctx.send(token, h.intervalMs);
      h.lastSentAt = this.#now();
      h.nextAt = h.lastSentAt + this.#jittered(h.intervalMs);
      this.#ctx.onSent?.(lagMs);
    } catch (error) {
      if (this.#ctx.isTaskGone(error)) {
        if (this.#held.delete(token)) this.#ctx.onTaskLost(token, error);
        return;
      }
      this.#ctx.onError?.(token, error);
      // Retry soon, but no faster than a tenth of the interval (the beat may have been throttled).
      h.nextAt = this.#now() + Math.max(50, (h.intervalMs / 10) * (0.5 + this.#random()));
    } finally {
      h.inFlight = false;
      if (this.#held.get(token) === h) this.#arm();
    }
  }
}
