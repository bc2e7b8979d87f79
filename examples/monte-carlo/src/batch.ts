/**
 * One batch of loans through the model and the kernel, into the batch's output: per scenario
 * the loss and default count of every draw (exact integers, varint-encoded), the analytic
 * expected loss, a PD histogram and the loans that contribute most. Pure: no I/O.
 */
import { encodeUintVector } from './codec.ts';
import { type PreparedLoan, prepareLoan } from './credit-model.ts';
import { type KernelPlan, MAX_EXACT_CENTS, simulateBatch } from './kernel.ts';
import type { Loan, LoanType } from './loan.ts';
import { hashString64, seedKey } from './rng.ts';
import { type ResolvedSimulationInput, simulationFingerprint } from './simulation-input.ts';

/** The format tag of {@link BatchResult}. */
export const BATCH_FORMAT = 'stepfleet.monte-carlo.batch/1';

/** Upper edges of the PD histogram's buckets (the last bucket ends at 1). */
export const PD_BUCKET_EDGES = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] as const;

/** A loan among the largest contributors to expected loss under a scenario. */
export interface Contributor {
  readonly id: string;
  readonly type: LoanType;
  readonly grade: string;
  readonly eadCents: number;
  readonly lgd: number;
  /** Stressed PD under the scenario. */
  readonly pd: number;
  /** Loss if it defaults, cents. */
  readonly lossCents: number;
  /** Draws (of M) in which it defaulted. */
  readonly defaults: number;
}

/** What a batch returns for one scenario. */
export interface BatchScenarioResult {
  readonly name: string;
  readonly shockBp: number;
  /** The batch's loss in cents per draw, {@link encodeUintVector} of M integers. */
  readonly losses: string;
  /** The batch's number of defaults per draw, {@link encodeUintVector} of M integers. */
  readonly defaults: string;
  /** Σ round(PD × loss) over the batch's loans: the analytic expected loss, cents. */
  readonly expectedLossCents: number;
  /** The same, by loan type. */
  readonly expectedLossByTypeCents: Readonly<Record<LoanType, number>>;
  /** Loans per PD bucket ({@link PD_BUCKET_EDGES}). */
  readonly pdHistogram: readonly number[];
  /** The batch's largest contributors by simulated expected loss, largest first. */
  readonly top: readonly Contributor[];
}

/** A batch's output (the activity's result, or the object it spills to S3). */
export interface BatchResult {
  readonly format: typeof BATCH_FORMAT;
  /** {@link simulationFingerprint} of the settings: every batch of a job has the same. */
  readonly fingerprint: string;
  readonly draws: number;
  readonly loanCount: number;
  /** XOR of the loans' 64-bit id hashes (16 hex digits): the same for any partition. */
  readonly idDigest: string;
  /** Σ EAD, cents. */
  readonly exposureCents: number;
  /** Σ loss given default, cents: the batch's loss if every loan defaulted. */
  readonly maxLossCents: number;
  readonly scenarios: readonly BatchScenarioResult[];
  /** Every loan's stressed PD per scenario, when `perLoanPds` was asked for. */
  readonly loanPds?: { readonly ids: readonly string[]; readonly pds: readonly (readonly number[])[] };
}

/** A batch whose totals cannot be summed exactly in cents. */
export class ExposureTooLargeError extends Error {
  override readonly name = 'Batch.ExposureTooLarge';
}

/** Orders contributors: larger simulated loss first, then by id (a total order, so merges agree). */
export function compareContributors(a: Contributor, b: Contributor): number {
  const d = b.defaults * b.lossCents - a.defaults * a.lossCents;
  if (d !== 0) return d;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Index of the PD bucket of `pd`. */
export function pdBucket(pd: number): number {
  let k = 0;
  while (k < PD_BUCKET_EDGES.length - 1 && pd > PD_BUCKET_EDGES[k]!) k++;
  return k;
}

function hex64(lo: number, hi: number): string {
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/**
 * Runs one batch of loans. Throws {@link ExposureTooLargeError} past the exact-cents headroom,
 * and the signal's reason when `signal` fires.
 */
export function runBatch(
  loans: readonly Loan[],
  input: ResolvedSimulationInput,
  signal?: AbortSignal,
): BatchResult {
  const S = input.scenarios.length;
  const M = input.draws;
  const prepared: PreparedLoan[] = loans.map((loan) => prepareLoan(loan, input.scenarios, input.model));
  const rhos = new Float64Array(loans.length);
  let exposureCents = 0;
  let maxLossCents = 0;
  let digestLo = 0;
  let digestHi = 0;
  for (let l = 0; l < loans.length; l++) {
    rhos[l] = input.rho[loans[l]!.type];
    exposureCents += prepared[l]!.eadCents;
    maxLossCents += prepared[l]!.lossCents;
    const h = hashString64(loans[l]!.id);
    digestLo = (digestLo ^ h.lo) >>> 0;
    digestHi = (digestHi ^ h.hi) >>> 0;
  }
  if (exposureCents > MAX_EXACT_CENTS) {
    throw new ExposureTooLargeError(
      `batch exposure ${exposureCents} cents exceeds 2^53 - 1 cents ($90 trillion): split the batch`,
    );
  }
  const plan: KernelPlan = {
    key: seedKey(input.seed),
    draws: M,
    scenarioCount: S,
    commonRandomNumbers: input.commonRandomNumbers,
  };
  const sim = simulateBatch(prepared, rhos, plan, signal);

  const scenarios = input.scenarios.map((scenario, s): BatchScenarioResult => {
    let expectedLossCents = 0;
    const byType: Record<LoanType, number> = { personal: 0, commercial: 0, mortgage: 0 };
    const pdHistogram = new Array<number>(PD_BUCKET_EDGES.length).fill(0);
    const candidates: Contributor[] = [];
    for (let l = 0; l < loans.length; l++) {
      const loan = loans[l]!;
      const p = prepared[l]!;
      const pd = p.pds[s]!;
      // Rounded per loan, so the sum is an integer and the same in any order.
      const el = Math.round(pd * p.lossCents);
      expectedLossCents += el;
      byType[loan.type] += el;
      pdHistogram[pdBucket(pd)]!++;
      candidates.push({
        id: loan.id,
        type: loan.type,
        grade: loan.grade,
        eadCents: p.eadCents,
        lgd: p.lgd,
        pd,
        lossCents: p.lossCents,
        defaults: sim.loanDefaults[l * S + s]!,
      });
    }
    candidates.sort(compareContributors);
    return {
      name: scenario.name,
      shockBp: scenario.shockBp,
      losses: encodeUintVector(sim.losses.subarray(s * M, (s + 1) * M)),
      defaults: encodeUintVector(sim.defaults.subarray(s * M, (s + 1) * M)),
      expectedLossCents,
      expectedLossByTypeCents: byType,
      pdHistogram,
      top: candidates.slice(0, input.topContributors),
    };
  });

  const result: BatchResult = {
    format: BATCH_FORMAT,
    fingerprint: simulationFingerprint(input),
    draws: M,
    loanCount: loans.length,
    idDigest: hex64(digestLo, digestHi),
    exposureCents,
    maxLossCents,
    scenarios,
  };
  if (!input.perLoanPds) return result;
  return { ...result, loanPds: { ids: loans.map((l) => l.id), pds: prepared.map((p) => [...p.pds]) } };
}
