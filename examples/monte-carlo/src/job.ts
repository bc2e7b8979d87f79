/**
 * The Monte Carlo stress test as a stepfleet job: the portfolio's loans are the items, every
 * batch gets the same simulation settings as its `BatchInput`, and an aggregate step sums the
 * batches into the result.
 *
 * @example
 * ```ts
 * import { monteCarloJob } from './job.ts';
 * const job = monteCarloJob({ seed: 7, draws: 5_000, loansPerBatch: 200, maxWorkers: 4 });
 * ```
 */
import { DEFAULT_RETRYABLE_ERRORS, defineJob, type JobSpec, type JsonObject } from '@stepfleet/job';
import type { CreditModelOptions, Scenario } from './credit-model.ts';
import type { MonteCarloFaults } from './faults.ts';
import type { JobSeed } from './rng.ts';
import { type CorrelationByType, resolveSimulationInput, type SpillLocation } from './simulation-input.ts';

/** The handler modules, as the worker loads them: TypeScript sources (local) or compiled (image). */
export const MONTE_CARLO_HANDLERS = {
  source: {
    batch: 'examples/monte-carlo/src/handler.ts',
    aggregate: 'examples/monte-carlo/src/aggregate-handler.ts',
  },
  compiled: {
    batch: 'examples/monte-carlo/dist/handler.js',
    aggregate: 'examples/monte-carlo/dist/aggregate-handler.js',
  },
} as const;

/** Options of {@link monteCarloJob}. */
export interface MonteCarloJobOptions {
  /**
   * The job's name.
   * @defaultValue 'monte-carlo'
   */
  readonly name?: string;
  /**
   * The simulation seed: same portfolio and seed, same result.
   * @defaultValue 20261123
   */
  readonly seed?: JobSeed;
  /**
   * Monte Carlo draws.
   * @defaultValue 10000
   */
  readonly draws?: number;
  /** Rate scenarios. @defaultValue `[0, 100, 200, 300]` bp */
  readonly scenarios?: readonly (Scenario | number)[];
  /** Asset correlation. @defaultValue see SimulationInput.rho */
  readonly rho?: number | Partial<CorrelationByType>;
  /** The PD stress mapping's parameters. @defaultValue CREDIT_MODEL_DEFAULTS */
  readonly model?: CreditModelOptions;
  /**
   * `objects`: one object per loan under `<prefix>loans/` (as writePortfolio writes it).
   * `jsonl`: JSON Lines files `<prefix>loans-*.jsonl`, one file per batch.
   * @defaultValue 'objects'
   */
  readonly layout?: 'objects' | 'jsonl';
  /**
   * The input bucket. Also passed to the batches as `itemsBucket`; when left out, the workers
   * read item keys from their data bucket (`STEPFLEET_DATA_BUCKET`), which must then be the
   * deployment's input bucket.
   * @defaultValue the deployment's input bucket
   */
  readonly bucket?: string;
  /**
   * Key prefix of the portfolio.
   * @defaultValue 'portfolio/'
   */
  readonly prefix?: string;
  /**
   * Loans per batch (`objects` layout; with `jsonl` a batch is one file).
   * @defaultValue 100
   */
  readonly loansPerBatch?: number;
  /**
   * Most workers.
   * @defaultValue 4
   */
  readonly maxWorkers?: number;
  /**
   * Handler threads per worker.
   * @defaultValue 1
   */
  readonly threads?: number;
  /**
   * Handler modules.
   * @defaultValue MONTE_CARLO_HANDLERS.source
   */
  readonly handlers?: { readonly batch: string; readonly aggregate: string };
  /** Where batches too large to return inline go. @defaultValue the worker's data bucket */
  readonly spill?: SpillLocation;
  /** The fault test mode (see MonteCarloFaults), for the fault suite; off when left out. */
  readonly faults?: MonteCarloFaults;
}

/** The job spec of the stress test; throws JobSpecError or Input.Invalid naming a bad field. */
export function monteCarloJob(options: MonteCarloJobOptions = {}): JobSpec {
  const layout = options.layout ?? 'objects';
  const prefix = options.prefix ?? 'portfolio/';
  const handlers = options.handlers ?? MONTE_CARLO_HANDLERS.source;
  const batchInput = {
    seed: options.seed ?? 20261123,
    draws: options.draws ?? 10_000,
    ...(options.scenarios ? { scenarios: options.scenarios } : {}),
    ...(options.rho !== undefined ? { rho: options.rho } : {}),
    ...(options.model ? { model: options.model } : {}),
    ...(options.spill ? { spill: options.spill } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    // listObjectsV2 items carry no bucket; without one here the worker's data bucket is used.
    ...(options.bucket ? { itemsBucket: options.bucket } : {}),
  };
  // Fail here, with the field named, rather than in every batch.
  resolveSimulationInput(batchInput);
  return defineJob({
    name: options.name ?? 'monte-carlo',
    items: {
      type: 's3-objects',
      ...(options.bucket ? { bucket: options.bucket } : {}),
      prefix: layout === 'objects' ? `${prefix}loans/` : `${prefix}loans-`,
    },
    batching: {
      maxItems: layout === 'objects' ? (options.loansPerBatch ?? 100) : 1,
      batchInput: JSON.parse(JSON.stringify(batchInput)) as JsonObject,
    },
    // A batch is deterministic: retrying it is always safe, and a timed-out attempt is retried too
    // (Handler.Timeout: the worker aborted it at its deadline; States.Timeout: Step Functions did).
    retry: {
      errors: [...DEFAULT_RETRYABLE_ERRORS, 'Handler.Timeout', 'States.Timeout'],
      maxAttempts: 3,
      intervalSeconds: 1,
    },
    activity: { timeoutSeconds: 900, heartbeatSeconds: 30 },
    aggregate: { handler: handlers.aggregate, timeoutSeconds: 900, heartbeatSeconds: 60 },
    worker: { handler: handlers.batch, threads: options.threads ?? 1, stopTimeoutSeconds: 60 },
    fleet: { maxWorkers: options.maxWorkers ?? 4, capacity: 'mixed' },
  });
}

/** The job with its defaults. */
export default monteCarloJob();
