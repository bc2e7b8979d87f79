/**
 * What the progress view shows, as plain data: one snapshot of a run, read from Step Functions
 * and ECS by `progress-reader.ts` and drawn by `progress-view.ts` (a pure function of it).
 */

/** Item or batch (child execution) counts of a Map Run, as DescribeMapRun returns them. */
export interface MapRunCounts {
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly aborted: number;
  readonly total: number;
}

/** The fleet's ECS service counts (DescribeServices). */
export interface FleetCounts {
  readonly desired: number;
  readonly running: number;
  readonly pending: number;
}

/** One moment of a run. Times are epoch milliseconds. */
export interface ProgressSnapshot {
  /** The execution's name (the last part of its ARN). */
  readonly name: string;
  /** The state machine's name. */
  readonly stateMachine: string;
  /** DescribeExecution status: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE. */
  readonly status: string;
  /** The state the execution entered last (`ScaleUp`, `ProcessItems`, ...), or undefined before any. */
  readonly phase?: string;
  readonly startedAtMs: number;
  /** When the execution closed; undefined while it runs. */
  readonly stoppedAtMs?: number;
  /** When the snapshot was taken (elapsed is measured to here while running). */
  readonly atMs: number;
  /** The Map Run's item counts; undefined before the Map Run starts. */
  readonly items?: MapRunCounts;
  /** The Map Run's child execution (batch) counts. */
  readonly batches?: MapRunCounts;
  /** The Map Run's status (RUNNING, SUCCEEDED, FAILED, ABORTED). */
  readonly mapRunStatus?: string;
  /** Failed attempts by error name (batch attempts, retried or not, and the execution's own). */
  readonly failures: Readonly<Record<string, number>>;
  /** The worker fleet; undefined when the service is not known or not readable. */
  readonly fleet?: FleetCounts;
  /** Items finished per second, over the last few seconds of the Map Run. */
  readonly itemsPerSecond?: number;
  /** Estimated time left for the Map Run, from the rate. */
  readonly etaMs?: number;
  /** The execution's error and cause when it failed. */
  readonly error?: string;
  readonly cause?: string;
}

/** Items (or batches) that are finished, successfully or not. */
export function doneCount(counts: MapRunCounts): number {
  return counts.succeeded + counts.failed + counts.timedOut + counts.aborted;
}

/** Whether the execution has closed. */
export function isFinished(snapshot: ProgressSnapshot): boolean {
  return snapshot.status !== 'RUNNING';
}

/**
 * Keeps the last samples of finished items and derives the rate (over a window, so it follows
 * changes) and the ETA. Pure data in, numbers out: the reader feeds it, tests can too.
 */
export class RateTracker {
  readonly #windowMs: number;
  readonly #samples: { atMs: number; done: number }[] = [];

  /** @param windowMs how far back the rate looks. @defaultValue 10000 */
  constructor(windowMs = 10_000) {
    this.#windowMs = windowMs;
  }

  /** Records `done` items at `atMs`; returns the rate (items/s) and ETA, when known. */
  add(atMs: number, done: number, total: number): { itemsPerSecond?: number; etaMs?: number } {
    const samples = this.#samples;
    samples.push({ atMs, done });
    while (samples.length > 2 && samples[1]!.atMs <= atMs - this.#windowMs) samples.shift();
    const first = samples[0]!;
    const spanMs = atMs - first.atMs;
    if (spanMs < 500 || done === first.done) return {};
    const itemsPerSecond = ((done - first.done) * 1000) / spanMs;
    const left = Math.max(0, total - done);
    return { itemsPerSecond, etaMs: left === 0 ? 0 : (left / itemsPerSecond) * 1000 };
  }
}
