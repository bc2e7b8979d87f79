/**
 * The `itemCounts` / `executionCounts` of a Map Run. Every change is a move between buckets
 * (or an addition to `pending` / `resultsWritten`), so pending + running + succeeded + failed
 * + timedOut + aborted always equals total, at every moment DescribeMapRun can look.
 */

type Bucket = 'pending' | 'running' | 'succeeded' | 'failed' | 'timedOut' | 'aborted';

/** Counters of one kind (items or child executions). */
export class MapCounts {
  pending = 0;
  running = 0;
  succeeded = 0;
  failed = 0;
  timedOut = 0;
  aborted = 0;
  total = 0;
  resultsWritten = 0;

  /** New work read (`pending`, also counted in total) or results exported (`resultsWritten`). */
  add(bucket: 'pending' | 'resultsWritten', n: number): void {
    this[bucket] += n;
    if (bucket === 'pending') this.total += n;
  }

  /** Moves `n` from one bucket to another. */
  move(from: Bucket, to: Bucket, n: number): void {
    this[from] -= n;
    this[to] += n;
  }

  /** The wire shape DescribeMapRun returns. */
  toWire(): Record<string, number> {
    return {
      pending: this.pending,
      running: this.running,
      succeeded: this.succeeded,
      failed: this.failed,
      timedOut: this.timedOut,
      aborted: this.aborted,
      total: this.total,
      resultsWritten: this.resultsWritten,
      failuresNotRedrivable: 0,
      pendingRedrive: 0,
    };
  }
}
