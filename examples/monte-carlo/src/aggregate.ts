/**
 * The aggregation step: sums the batches' per-draw vectors (integers, so the sum is exact and
 * the same in any order) and computes per scenario the expected loss, VaR 99 % and 99.9 %,
 * expected shortfall 97.5 %, the default-rate distribution and the top contributing loans.
 * Incremental: add batches one at a time, memory O(S·M) whatever the number of batches.
 */
import { createHash } from 'node:crypto';
import {
  BATCH_FORMAT,
  type BatchResult,
  type Contributor,
  compareContributors,
  PD_BUCKET_EDGES,
} from './batch.ts';
import { decodeUintVector, encodeUintVector } from './codec.ts';
import { MAX_EXACT_CENTS } from './kernel.ts';
import type { LoanType } from './loan.ts';
import {
  expectedShortfall,
  histogram,
  meanAndStandardError,
  valueAtRisk,
  valueAtRiskInterval,
} from './risk-measures.ts';
import { type ResolvedSimulationInput, simulationFingerprint } from './simulation-input.ts';

/** The format tag of {@link PortfolioResult}. */
export const RESULT_FORMAT = 'stepfleet.monte-carlo.result/1';

/** Number of bins of the loss and default-rate histograms. */
export const HISTOGRAM_BINS = 50;

/** A top contributor in the portfolio result. */
export interface PortfolioContributor extends Contributor {
  /** Simulated expected loss: defaults × loss / M, cents. */
  readonly simulatedExpectedLossCents: number;
  /** Its share of the scenario's simulated expected loss. */
  readonly share: number;
}

/** The results of one scenario. */
export interface ScenarioSummary {
  readonly name: string;
  readonly shockBp: number;
  /** Mean loss over the draws, cents. */
  readonly expectedLossCents: number;
  /** Monte Carlo standard error of {@link expectedLossCents}. */
  readonly expectedLossStandardErrorCents: number;
  /** Σ PD × LGD × EAD (per loan rounded to cents): what the simulation's mean estimates. */
  readonly analyticExpectedLossCents: number;
  readonly analyticExpectedLossByTypeCents: Readonly<Record<LoanType, number>>;
  readonly var99Cents: number;
  readonly var999Cents: number;
  /** 95 % confidence interval of VaR 99.9 % from order statistics. */
  readonly var999IntervalCents: readonly [number, number];
  readonly es975Cents: number;
  /** The worst draw. */
  readonly maxDrawLossCents: number;
  /** Default rate (defaults / loans) per draw: mean, quantiles, histogram. */
  readonly defaultRate: {
    readonly mean: number;
    readonly p50: number;
    readonly p99: number;
    readonly p999: number;
    readonly max: number;
    /** {@link HISTOGRAM_BINS} equal bins over [0, {@link histogramTop}]. */
    readonly histogram: readonly number[];
    readonly histogramTop: number;
  };
  /**
   * Draws per loss bin: {@link HISTOGRAM_BINS} equal bins over [0, PortfolioResult.lossHistogramTopCents];
   * the last bin also holds every draw beyond.
   */
  readonly lossHistogram: readonly number[];
  /** Points (loss, P(L > loss)) of the loss exceedance curve, on a log grid of probabilities. */
  readonly exceedance: readonly { readonly lossCents: number; readonly probability: number }[];
  /** Loans per PD bucket (upper edges in PortfolioResult.pdBucketEdges). */
  readonly pdHistogram: readonly number[];
  readonly top: readonly PortfolioContributor[];
  /** SHA-256 of the per-draw loss vector (little-endian float64): equal results, equal hash. */
  readonly lossesSha256: string;
  /** The per-draw losses, {@link encodeUintVector} of M integers of cents. */
  readonly losses: string;
}

/** The job's result. */
export interface PortfolioResult {
  readonly format: typeof RESULT_FORMAT;
  readonly fingerprint: string;
  /** The settings that shape the numbers (where outputs and items are stored is left out). */
  readonly settings: ResultSettings;
  readonly draws: number;
  readonly loanCount: number;
  /** XOR of all loan id hashes: the same portfolio gives the same digest. */
  readonly idDigest: string;
  readonly exposureCents: number;
  readonly maxLossCents: number;
  readonly lossHistogramTopCents: number;
  readonly pdBucketEdges: readonly number[];
  readonly scenarios: readonly ScenarioSummary[];
}

/** The simulation settings a result records: all but the storage locations and the fault test mode. */
export type ResultSettings = Omit<ResolvedSimulationInput, 'spill' | 'itemsBucket' | 'faults'>;

/** Batches that cannot be summed into one result. */
export class AggregationError extends Error {
  override readonly name = 'Aggregate.Invalid';
}

interface ScenarioAccumulator {
  readonly losses: Float64Array;
  readonly defaults: Float64Array;
  expectedLossCents: number;
  readonly byType: Record<LoanType, number>;
  readonly pdHistogram: number[];
  top: Contributor[];
}

/** Sums batch results one at a time; {@link finish} computes the portfolio result. */
export class PortfolioAggregator {
  readonly #settings: ResolvedSimulationInput;
  readonly #fingerprint: string;
  readonly #scenarios: ScenarioAccumulator[];
  #loanCount = 0;
  #exposureCents = 0;
  #maxLossCents = 0;
  #digestLo = 0;
  #digestHi = 0;
  #batches = 0;

  constructor(settings: ResolvedSimulationInput) {
    this.#settings = settings;
    this.#fingerprint = simulationFingerprint(settings);
    this.#scenarios = settings.scenarios.map(() => ({
      losses: new Float64Array(settings.draws),
      defaults: new Float64Array(settings.draws),
      expectedLossCents: 0,
      byType: { personal: 0, commercial: 0, mortgage: 0 },
      pdHistogram: new Array<number>(PD_BUCKET_EDGES.length).fill(0),
      top: [],
    }));
  }

  /** Number of batches added so far. */
  get batchCount(): number {
    return this.#batches;
  }

  /** Adds one batch. Throws {@link AggregationError} when it does not belong to this job. */
  add(batch: BatchResult): void {
    const M = this.#settings.draws;
    if (batch?.format !== BATCH_FORMAT)
      throw new AggregationError(`not a batch result (format ${batch?.format})`);
    if (batch.fingerprint !== this.#fingerprint) {
      throw new AggregationError(
        `batch was computed with other settings (fingerprint ${batch.fingerprint}, expected ${this.#fingerprint})`,
      );
    }
    if (batch.draws !== M || batch.scenarios.length !== this.#scenarios.length) {
      throw new AggregationError(`batch has ${batch.draws} draws × ${batch.scenarios.length} scenarios`);
    }
    if (this.#maxLossCents + batch.maxLossCents > MAX_EXACT_CENTS) {
      throw new AggregationError(
        'portfolio loss given default exceeds 2^53 - 1 cents: sums would not be exact',
      );
    }
    const K = this.#settings.topContributors;
    // Decode and check everything before changing any sum: a bad batch leaves no trace.
    const decoded = batch.scenarios.map((bs, s) => {
      if (bs.name !== this.#settings.scenarios[s]!.name) {
        throw new AggregationError(
          `batch scenario ${s} is ${JSON.stringify(bs.name)}, expected ${JSON.stringify(this.#settings.scenarios[s]!.name)}`,
        );
      }
      if (
        !Array.isArray(bs.top) ||
        !Array.isArray(bs.pdHistogram) ||
        bs.pdHistogram.length !== PD_BUCKET_EDGES.length
      ) {
        throw new AggregationError(`batch scenario ${bs.name} is malformed (top, pdHistogram)`);
      }
      try {
        return { losses: decodeUintVector(bs.losses, M), defaults: decodeUintVector(bs.defaults, M) };
      } catch (error) {
        throw new AggregationError(`batch scenario ${bs.name}: ${(error as Error).message}`);
      }
    });
    batch.scenarios.forEach((bs, s) => {
      const acc = this.#scenarios[s]!;
      const { losses, defaults } = decoded[s]!;
      for (let m = 0; m < M; m++) {
        acc.losses[m]! += losses[m]!;
        acc.defaults[m]! += defaults[m]!;
      }
      acc.expectedLossCents += bs.expectedLossCents;
      for (const t of Object.keys(acc.byType) as LoanType[]) acc.byType[t] += bs.expectedLossByTypeCents[t];
      bs.pdHistogram.forEach((n, k) => {
        acc.pdHistogram[k]! += n;
      });
      acc.top = [...acc.top, ...bs.top].sort(compareContributors).slice(0, K);
    });
    this.#loanCount += batch.loanCount;
    this.#exposureCents += batch.exposureCents;
    this.#maxLossCents += batch.maxLossCents;
    this.#digestLo = (this.#digestLo ^ Number.parseInt(batch.idDigest.slice(8), 16)) >>> 0;
    this.#digestHi = (this.#digestHi ^ Number.parseInt(batch.idDigest.slice(0, 8), 16)) >>> 0;
    this.#batches++;
  }

  /** The portfolio result. Throws {@link AggregationError} when no loan was added. */
  finish(): PortfolioResult {
    if (this.#loanCount === 0) throw new AggregationError('no loans: nothing to aggregate');
    const M = this.#settings.draws;
    const sortedByScenario = this.#scenarios.map((acc) => Float64Array.from(acc.losses).sort());
    // The histograms show the body of the distributions, up to 1.25 × the largest VaR 99.9 %
    // (the last bin takes every draw beyond); the exceedance curves show the tail.
    let top = 0;
    for (const sorted of sortedByScenario) top = Math.max(top, valueAtRisk(sorted, 0.999));
    const lossHistogramTopCents = top > 0 ? Math.ceil(top * 1.25) : 1;
    const scenarios = this.#scenarios.map((acc, s) =>
      this.#summarize(acc, sortedByScenario[s]!, s, lossHistogramTopCents),
    );
    return {
      format: RESULT_FORMAT,
      fingerprint: this.#fingerprint,
      settings: resultSettings(this.#settings),
      draws: M,
      loanCount: this.#loanCount,
      idDigest: this.#digestHi.toString(16).padStart(8, '0') + this.#digestLo.toString(16).padStart(8, '0'),
      exposureCents: this.#exposureCents,
      maxLossCents: this.#maxLossCents,
      lossHistogramTopCents,
      pdBucketEdges: [...PD_BUCKET_EDGES],
      scenarios,
    };
  }

  #summarize(acc: ScenarioAccumulator, sorted: Float64Array, s: number, lossTop: number): ScenarioSummary {
    const M = this.#settings.draws;
    const N = this.#loanCount;
    const scenario = this.#settings.scenarios[s]!;
    const { mean, standardError } = meanAndStandardError(acc.losses);
    const rates = Float64Array.from(acc.defaults, (d) => d / N).sort();
    const rateTop = rates[M - 1]! > 0 ? rates[M - 1]! : 1 / N;
    const simulatedTotal = acc.top.length > 0 ? mean : 0;
    const exceedance: { lossCents: number; probability: number }[] = [];
    // P(L > x) on a log grid from 1/2 down to 1/M, ten points per decade.
    for (let k = 3; 10 ** (-k / 10) >= 1 / M; k++) {
      const probability = 10 ** (-k / 10);
      exceedance.push({ lossCents: valueAtRisk(sorted, 1 - probability), probability });
    }
    return {
      name: scenario.name,
      shockBp: scenario.shockBp,
      expectedLossCents: mean,
      expectedLossStandardErrorCents: standardError,
      analyticExpectedLossCents: acc.expectedLossCents,
      analyticExpectedLossByTypeCents: { ...acc.byType },
      var99Cents: valueAtRisk(sorted, 0.99),
      var999Cents: valueAtRisk(sorted, 0.999),
      var999IntervalCents: valueAtRiskInterval(sorted, 0.999),
      es975Cents: expectedShortfall(sorted, 0.975),
      maxDrawLossCents: sorted[M - 1]!,
      defaultRate: {
        mean: meanAndStandardError(rates).mean,
        p50: valueAtRisk(rates, 0.5),
        p99: valueAtRisk(rates, 0.99),
        p999: valueAtRisk(rates, 0.999),
        max: rates[M - 1]!,
        histogram: histogram(rates, rateTop, HISTOGRAM_BINS),
        histogramTop: rateTop,
      },
      lossHistogram: histogram(acc.losses, lossTop, HISTOGRAM_BINS),
      exceedance,
      pdHistogram: [...acc.pdHistogram],
      top: acc.top.map((c) => {
        const simulatedExpectedLossCents = (c.defaults * c.lossCents) / M;
        return {
          ...c,
          simulatedExpectedLossCents,
          share: simulatedTotal > 0 ? simulatedExpectedLossCents / mean : 0,
        };
      }),
      lossesSha256: createHash('sha256')
        .update(new Uint8Array(acc.losses.buffer, acc.losses.byteOffset, acc.losses.byteLength))
        .digest('hex'),
      losses: encodeUintVector(acc.losses),
    };
  }
}

function resultSettings(settings: ResolvedSimulationInput): ResultSettings {
  const { spill: _spill, itemsBucket: _itemsBucket, faults: _faults, ...rest } = settings;
  return rest;
}

/** Aggregates a list of batch results (any order) into the portfolio result. */
export function aggregateBatches(
  settings: ResolvedSimulationInput,
  batches: Iterable<BatchResult>,
): PortfolioResult {
  const aggregator = new PortfolioAggregator(settings);
  for (const batch of batches) aggregator.add(batch);
  return aggregator.finish();
}
