/**
 * The Monte Carlo kernel: for each loan and draw, the one-factor Gaussian copula decides
 * whether the loan defaults, and the batch's loss per draw is summed in integer cents.
 *
 *   default of loan l in draw m  ⇔  √ρₗ·Z_m + √(1−ρₗ)·ε_{l,m} < Φ⁻¹(PD_{l,s})
 *
 * Z_m comes from Philox keyed by (job seed, stream, draw) and ε_{l,m} from Philox keyed by
 * (job seed, stream, draw, loan id): nothing depends on the batch, so summing batch vectors in
 * any partition gives the same bits. The hot loop allocates nothing.
 */
import type { PreparedLoan } from './credit-model.ts';
import { normalCdf, normalQuantile } from './normal.ts';
import { hashString64, philox4x32, uniformFromWords, type Words64 } from './rng.ts';

/** Counter word 3 of the systematic factor's stream, apart from every idiosyncratic counter. */
const SYSTEMATIC_DOMAIN = 0x5a5a0001;
/** Mixed into the key for the systematic factor, so its stream never meets a loan's. */
const SYSTEMATIC_KEY_TWEAK = 0x6a09e667;

/** How to run a batch: the same for every batch of a job. */
export interface KernelPlan {
  /** The Philox key from the job seed. */
  readonly key: Words64;
  /** Number of Monte Carlo draws M. */
  readonly draws: number;
  /** Number of scenarios S. */
  readonly scenarioCount: number;
  /**
   * Common random numbers: every scenario sees the same Z and ε, so the differences between
   * scenarios are the shock's effect and not sampling noise, and a loan that defaults under a
   * scenario also defaults under every harsher one. `false` keys each scenario's draws apart.
   */
  readonly commonRandomNumbers: boolean;
}

/** A batch's simulated losses. */
export interface KernelResult {
  /** Loss in cents of the batch's loans, per scenario and draw: index s·M + m. Exact integers. */
  readonly losses: Float64Array;
  /** Number of defaults per scenario and draw: index s·M + m. */
  readonly defaults: Uint32Array;
  /** Number of draws in which each loan defaulted, per scenario: index l·S + s. */
  readonly loanDefaults: Uint32Array;
}

/** Number of independent random streams: one shared by all scenarios, or one each. */
function streamCount(plan: KernelPlan): number {
  return plan.commonRandomNumbers ? 1 : plan.scenarioCount;
}

/**
 * The systematic factor Z_m of one stream, for all M draws. Two draws per Philox call.
 * The same for every batch of the job: it depends on (seed, stream, draw) only.
 */
export function systematicFactors(key: Words64, draws: number, stream: number): Float64Array {
  const z = new Float64Array(draws);
  const words = new Uint32Array(4);
  for (let pair = 0; pair * 2 < draws; pair++) {
    philox4x32(pair, stream, 0, SYSTEMATIC_DOMAIN, key.lo ^ SYSTEMATIC_KEY_TWEAK, key.hi, words);
    const m = pair * 2;
    z[m] = normalQuantile(uniformFromWords(words[0]!, words[1]!));
    if (m + 1 < draws) z[m + 1] = normalQuantile(uniformFromWords(words[2]!, words[3]!));
  }
  return z;
}

/**
 * Margin, in units of ε, of the early exit below. It dwarfs the rounding error of computing x
 * (about 1e-15) and of Φ (relative 1e-15), so a skipped draw is one the full test would reject.
 */
const SKIP_MARGIN = 1e-9;

/** The largest total a batch may reach in cents and still be summed exactly in doubles. */
export const MAX_EXACT_CENTS = Number.MAX_SAFE_INTEGER;

/**
 * Runs the simulation for a batch of prepared loans. Each loan's `pds` must have
 * `plan.scenarioCount` entries and each `rhos[l]` must be in [0, 1). When `signal` fires, the
 * run stops at the next loan and throws the signal's reason (a lost task frees its thread).
 */
export function simulateBatch(
  loans: readonly PreparedLoan[],
  rhos: ArrayLike<number>,
  plan: KernelPlan,
  signal?: AbortSignal,
): KernelResult {
  const { draws: M, scenarioCount: S } = plan;
  const L = loans.length;
  const losses = new Float64Array(S * M);
  const defaults = new Uint32Array(S * M);
  const loanDefaults = new Uint32Array(L * S);
  const streams = streamCount(plan);
  const z = Array.from({ length: streams }, (_, stream) => systematicFactors(plan.key, M, stream));
  const zMin = z.map((zs) => zs.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY));
  const thresholds = new Float64Array(S);
  const words = new Uint32Array(4);
  const k0 = plan.key.lo;
  const k1 = plan.key.hi;

  for (let l = 0; l < L; l++) {
    signal?.throwIfAborted();
    const loan = loans[l]!;
    const id = hashString64(loan.id);
    const lossCents = loan.lossCents;
    const a = Math.sqrt(rhos[l]!);
    const b = Math.sqrt(1 - rhos[l]!);
    for (let s = 0; s < S; s++) thresholds[s] = normalQuantile(loan.pds[s]!);
    for (let stream = 0; stream < streams; stream++) {
      const zs = z[stream]!;
      // With common random numbers one ε serves every scenario; otherwise scenario = stream.
      const sFrom = streams === 1 ? 0 : stream;
      const sTo = streams === 1 ? S : stream + 1;
      let tMax = Number.NEGATIVE_INFINITY;
      for (let s = sFrom; s < sTo; s++) tMax = Math.max(tMax, thresholds[s]!);
      // Early exit: no default in any draw needs ε < (tMax − a·min Z)/b, i.e. u < uSkip. The
      // bound depends on the loan and the job's Z only, so a skip is the same in every batch.
      const uSkip = b > 0 ? normalCdf((tMax - a * zMin[stream]!) / b + SKIP_MARGIN) : 1;
      for (let pair = 0; pair * 2 < M; pair++) {
        philox4x32(id.lo, id.hi, pair, stream, k0, k1, words);
        for (let half = 0; half < 2; half++) {
          const m = pair * 2 + half;
          if (m >= M) break;
          const u = uniformFromWords(words[half * 2]!, words[half * 2 + 1]!);
          if (u > uSkip) continue;
          const x = a * zs[m]! + b * normalQuantile(u);
          for (let s = sFrom; s < sTo; s++) {
            if (x < thresholds[s]!) {
              losses[s * M + m]! += lossCents;
              defaults[s * M + m]!++;
              loanDefaults[l * S + s]!++;
            }
          }
        }
      }
    }
  }
  return { losses, defaults, loanDefaults };
}
