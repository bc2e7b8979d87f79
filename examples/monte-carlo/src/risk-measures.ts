/**
 * Risk measures of an empirical loss distribution (M equally likely draws), computed from the
 * draws sorted ascending. Definitions follow Acerbi & Tasche ("On the coherence of expected
 * shortfall", 2002) and the Basel FRTB convention for ES at 97.5 %.
 */

/**
 * VaR at level α: the smallest loss x with F̂(x) ≥ α, i.e. the ⌈αM⌉-th smallest draw.
 * `sorted` must be ascending and non-empty.
 */
export function valueAtRisk(sorted: ArrayLike<number>, alpha: number): number {
  const M = sorted.length;
  const rank = Math.min(M, Math.max(1, Math.ceil(alpha * M - 1e-9)));
  return sorted[rank - 1]!;
}

/**
 * Expected shortfall at level α: the mean of the worst (1−α)·M draws, with the draw on the
 * boundary counted by its fraction (Acerbi & Tasche's estimator, coherent for any M).
 */
export function expectedShortfall(sorted: ArrayLike<number>, alpha: number): number {
  const M = sorted.length;
  // (1 − 0.975)·1000 is 24.999999999999993 in doubles: snap near-integers to the integer.
  const raw = (1 - alpha) * M;
  const tail = Math.abs(raw - Math.round(raw)) < 1e-9 ? Math.round(raw) : raw;
  const whole = Math.floor(tail);
  let sum = 0;
  for (let i = 1; i <= whole; i++) sum += sorted[M - i]!;
  const fraction = tail - whole;
  if (fraction > 0 && whole < M) sum += fraction * sorted[M - whole - 1]!;
  return tail === 0 ? sorted[M - 1]! : sum / tail;
}

/**
 * A distribution-free confidence interval for VaR at level α: the order statistics whose ranks
 * are αM ∓ z·√(Mα(1−α)) (normal approximation to the binomial count of draws below VaR).
 */
export function valueAtRiskInterval(
  sorted: ArrayLike<number>,
  alpha: number,
  z = 1.959963984540054,
): readonly [number, number] {
  const M = sorted.length;
  const spread = z * Math.sqrt(M * alpha * (1 - alpha));
  const lo = Math.min(M, Math.max(1, Math.floor(alpha * M - spread)));
  const hi = Math.min(M, Math.max(1, Math.ceil(alpha * M + spread)));
  return [sorted[lo - 1]!, sorted[hi - 1]!];
}

/** Mean and the standard error of the mean of a sample. */
export function meanAndStandardError(values: ArrayLike<number>): { mean: number; standardError: number } {
  const M = values.length;
  let sum = 0;
  for (let i = 0; i < M; i++) sum += values[i]!;
  const mean = sum / M;
  let squares = 0;
  for (let i = 0; i < M; i++) squares += (values[i]! - mean) ** 2;
  const variance = M > 1 ? squares / (M - 1) : 0;
  return { mean, standardError: Math.sqrt(variance / M) };
}

/** Counts of `values` in `bins` equal bins over [0, top]; values above `top` go in the last. */
export function histogram(values: ArrayLike<number>, top: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  const width = top > 0 ? top / bins : 1;
  for (let i = 0; i < values.length; i++) {
    counts[Math.min(bins - 1, Math.max(0, Math.floor(values[i]! / width)))]!++;
  }
  return counts;
}
