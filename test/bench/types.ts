/** One figure a benchmark reports, as it lands in `test/bench/results.json`. */
export interface BenchFigure {
  /** Stable id, e.g. `local.activity-roundtrips`. */
  readonly id: string;
  /** One line saying what was measured and how. */
  readonly what: string;
  /** The measured figure (a median of several runs where that makes sense). */
  readonly value: number;
  readonly unit: string;
  /** The baseline's figure, measured in the same process run, or null when there is none. */
  readonly baseline: number | null;
  /** value / baseline (or the ratio the goal is stated in), or null. */
  readonly ratio: number | null;
  /** The goal, in words, e.g. `ratio >= 20` or `>= 2000 /s`. */
  readonly goal: string;
  /** Whether the goal was met. */
  readonly met: boolean;
}

/** A benchmark module: `test/bench/<name>.bench.ts` default-exports one of these. */
export type Bench = () => Promise<BenchFigure[]>;

/** The median of a non-empty list of numbers. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The q-quantile (0..1) of a non-empty list, nearest-rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('quantile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
