/**
 * The job's simulation settings: the `BatchInput` every batch gets, the same for all of them.
 * One options interface, one defaults object, one resolve function.
 */
import { createHash } from 'node:crypto';
import {
  type CreditModelOptions,
  type ResolvedCreditModelOptions,
  resolveCreditModelOptions,
  type Scenario,
} from './credit-model.ts';
import { faultsProblem, type MonteCarloFaults } from './faults.ts';
import type { LoanType } from './loan.ts';
import type { JobSeed } from './rng.ts';

/** Asset correlation ρ by loan type. */
export type CorrelationByType = Readonly<Record<LoanType, number>>;

/** What a batch needs to know, beside its loans. */
export interface SimulationInput {
  /** The job seed: every random number derives from it. Same seed, same result. */
  readonly seed: JobSeed;
  /**
   * Monte Carlo draws M (each draw is one joint scenario of the whole portfolio).
   * @defaultValue 10000
   */
  readonly draws?: number;
  /**
   * Asset correlation ρ: one number for every loan, or one per loan type.
   * @defaultValue `{ mortgage: 0.15, personal: 0.04, commercial: 0.18 }` (Basel IRB: 0.15 for
   * residential mortgages, 0.03-0.16 for other retail, 0.12-0.24 for corporates)
   */
  readonly rho?: number | Partial<CorrelationByType>;
  /**
   * Policy-rate scenarios: `{ name, shockBp }` objects or plain shocks in basis points.
   * @defaultValue `[0, 100, 200, 300]`
   */
  readonly scenarios?: readonly (Scenario | number)[];
  /**
   * Whether all scenarios share the same random numbers (see KernelPlan).
   * @defaultValue true
   */
  readonly commonRandomNumbers?: boolean;
  /**
   * How many top contributing loans to keep per scenario.
   * @defaultValue 10
   */
  readonly topContributors?: number;
  /**
   * Whether each batch returns every loan's stressed PDs (larger outputs).
   * @defaultValue false
   */
  readonly perLoanPds?: boolean;
  /** The PD stress mapping's parameters. */
  readonly model?: CreditModelOptions;
  /** Where a batch writes its output when it is too large to return (see batch-output.ts). */
  readonly spill?: SpillLocation;
  /**
   * The bucket of items that name an S3 object without one (an `s3:listObjectsV2` ItemReader's
   * items carry only `Key`).
   * @defaultValue the worker's data bucket (`STEPFLEET_DATA_BUCKET`)
   */
  readonly itemsBucket?: string;
  /** The fault test mode, for the fault suite (see MonteCarloFaults); off when left out. */
  readonly faults?: MonteCarloFaults;
}

/** An S3 location for batch outputs too large for the activity's 256 KiB output. */
export interface SpillLocation {
  /**
   * The bucket.
   * @defaultValue the worker's data bucket (`STEPFLEET_DATA_BUCKET`)
   */
  readonly bucket?: string;
  /**
   * Key prefix.
   * @defaultValue 'monte-carlo/batches/'
   */
  readonly prefix?: string;
}

/** {@link SimulationInput} with every field set and checked. */
export interface ResolvedSimulationInput {
  readonly seed: JobSeed;
  readonly draws: number;
  readonly rho: CorrelationByType;
  readonly scenarios: readonly Scenario[];
  readonly commonRandomNumbers: boolean;
  readonly topContributors: number;
  readonly perLoanPds: boolean;
  readonly model: ResolvedCreditModelOptions;
  readonly spill: { readonly bucket: string | null; readonly prefix: string };
  readonly itemsBucket: string | null;
  /** The fault test mode, or null (the normal path). Not part of the fingerprint: it never changes a result. */
  readonly faults: MonteCarloFaults | null;
}

/** The defaults of {@link SimulationInput}. */
export const SIMULATION_DEFAULTS = {
  draws: 10_000,
  rho: { mortgage: 0.15, personal: 0.04, commercial: 0.18 } satisfies CorrelationByType,
  scenarios: [0, 100, 200, 300],
  commonRandomNumbers: true,
  topContributors: 10,
  perLoanPds: false,
  spillPrefix: 'monte-carlo/batches/',
} as const;

/** The most draws a job may ask for (outputs grow with M; 10⁶ draws is 32 MB per batch). */
export const MAX_DRAWS = 1_000_000;

/** A bad simulation input. The message names the field. */
export class InvalidSimulationInputError extends Error {
  override readonly name = 'Input.Invalid';
}

function bad(message: string): never {
  throw new InvalidSimulationInputError(`BatchInput.${message}`);
}

function checkRho(field: string, rho: unknown): number {
  if (typeof rho !== 'number' || !(rho >= 0 && rho < 1))
    bad(`${field} must be a correlation in [0, 1), got ${rho}`);
  return rho;
}

/** The scenario's default name, e.g. `+200 bp` (`base` for no shock). */
export function scenarioName(shockBp: number): string {
  return shockBp === 0 ? 'base' : `${shockBp > 0 ? '+' : ''}${shockBp} bp`;
}

/** Fills in defaults and validates; throws {@link InvalidSimulationInputError} naming the field. */
export function resolveSimulationInput(input: unknown): ResolvedSimulationInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidSimulationInputError('BatchInput must be an object');
  }
  const i = input as SimulationInput;
  if (i.seed === undefined) bad('seed is required (a non-negative safe integer or a string)');
  if (typeof i.seed === 'string' ? i.seed.length === 0 : !(Number.isSafeInteger(i.seed) && i.seed >= 0)) {
    bad(`seed must be a non-negative safe integer or a non-empty string, got ${JSON.stringify(i.seed)}`);
  }
  const draws = i.draws ?? SIMULATION_DEFAULTS.draws;
  if (!Number.isInteger(draws) || draws < 1 || draws > MAX_DRAWS)
    bad(`draws must be an integer in [1, ${MAX_DRAWS}], got ${draws}`);
  const rhoIn = i.rho ?? SIMULATION_DEFAULTS.rho;
  const rho: CorrelationByType =
    typeof rhoIn === 'number'
      ? { mortgage: checkRho('rho', rhoIn), personal: rhoIn, commercial: rhoIn }
      : {
          mortgage: checkRho('rho.mortgage', rhoIn.mortgage ?? SIMULATION_DEFAULTS.rho.mortgage),
          personal: checkRho('rho.personal', rhoIn.personal ?? SIMULATION_DEFAULTS.rho.personal),
          commercial: checkRho('rho.commercial', rhoIn.commercial ?? SIMULATION_DEFAULTS.rho.commercial),
        };
  const scenariosIn = i.scenarios ?? SIMULATION_DEFAULTS.scenarios;
  if (!Array.isArray(scenariosIn) || scenariosIn.length === 0 || scenariosIn.length > 32) {
    bad('scenarios must be a list of 1 to 32 scenarios');
  }
  const scenarios = scenariosIn.map((s, k): Scenario => {
    const shockBp = typeof s === 'number' ? s : s?.shockBp;
    if (typeof shockBp !== 'number' || !Number.isFinite(shockBp) || Math.abs(shockBp) > 5000) {
      bad(
        `scenarios[${k}] shock must be a number of basis points in [-5000, 5000], got ${JSON.stringify(s)}`,
      );
    }
    const name = typeof s === 'number' || s.name === undefined ? scenarioName(shockBp) : s.name;
    if (typeof name !== 'string' || name.length === 0) bad(`scenarios[${k}].name must be a non-empty string`);
    return { name, shockBp };
  });
  if (new Set(scenarios.map((s) => s.name)).size !== scenarios.length)
    bad('scenarios must have distinct names');
  const topContributors = i.topContributors ?? SIMULATION_DEFAULTS.topContributors;
  if (!Number.isInteger(topContributors) || topContributors < 0 || topContributors > 1000) {
    bad(`topContributors must be an integer in [0, 1000], got ${topContributors}`);
  }
  const commonRandomNumbers = i.commonRandomNumbers ?? SIMULATION_DEFAULTS.commonRandomNumbers;
  if (typeof commonRandomNumbers !== 'boolean') bad('commonRandomNumbers must be a boolean');
  const perLoanPds = i.perLoanPds ?? SIMULATION_DEFAULTS.perLoanPds;
  if (typeof perLoanPds !== 'boolean') bad('perLoanPds must be a boolean');
  let model: ResolvedCreditModelOptions;
  try {
    model = resolveCreditModelOptions(i.model ?? {});
  } catch (error) {
    bad(`model.${(error as Error).message}`);
  }
  const spill = i.spill ?? {};
  if (typeof spill !== 'object' || spill === null) bad('spill must be an object { bucket?, prefix? }');
  if (spill.bucket !== undefined && (typeof spill.bucket !== 'string' || spill.bucket === '')) {
    bad('spill.bucket must be a non-empty string');
  }
  if (spill.prefix !== undefined && typeof spill.prefix !== 'string') bad('spill.prefix must be a string');
  if (i.itemsBucket !== undefined && (typeof i.itemsBucket !== 'string' || i.itemsBucket === '')) {
    bad('itemsBucket must be a non-empty string');
  }
  const faults = i.faults === undefined ? null : i.faults;
  const faultProblem = faults === null ? null : faultsProblem(faults);
  if (faultProblem !== null) bad(faultProblem);
  return {
    seed: i.seed,
    draws,
    rho,
    scenarios,
    commonRandomNumbers,
    topContributors,
    perLoanPds,
    model,
    spill: { bucket: spill.bucket ?? null, prefix: spill.prefix ?? SIMULATION_DEFAULTS.spillPrefix },
    itemsBucket: i.itemsBucket ?? null,
    faults,
  };
}

/**
 * A short digest of everything that shapes the random numbers and the losses. Every batch of
 * a job carries it; the aggregation refuses to sum batches that disagree.
 */
export function simulationFingerprint(input: ResolvedSimulationInput): string {
  const material = JSON.stringify([
    input.seed,
    input.draws,
    input.rho,
    input.scenarios,
    input.commonRandomNumbers,
    input.model,
  ]);
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}
