/**
 * The weather example as a stepfleet job: the station files under a prefix are the items (an
 * `s3:listObjectsV2` listing, or the dataset's manifest to include listed-but-missing objects),
 * batches of keys go to the fleet, each worker reads a batch's files with bounded concurrency and
 * reports corrupt ones by key, and an aggregate step on the same fleet reduces the batches to the
 * per-month maxima across stations.
 *
 * @example
 * ```ts
 * import { weatherJob } from './job.ts';
 * const job = weatherJob({ bucket: 'noaa-input', filesPerBatch: 50, toleratedFailurePercentage: 2 });
 * ```
 */
import { DEFAULT_RETRYABLE_ERRORS, defineJob, type JobSpec, type JsonObject } from '@stepfleet/job';
import { resolveWeatherBatchInput, type WeatherFaults } from './batch-input.ts';
import { defaultManifestKey } from './dataset.ts';

/** The handler modules, as the worker loads them: TypeScript sources (local) or compiled (image). */
export const WEATHER_HANDLERS = {
  source: {
    batch: 'examples/weather/src/handler.ts',
    aggregate: 'examples/weather/src/aggregate-handler.ts',
  },
  compiled: {
    batch: 'examples/weather/dist/handler.js',
    aggregate: 'examples/weather/dist/aggregate-handler.js',
  },
} as const;

/** The data prefix the generator writes to and the job reads by default. */
export const WEATHER_PREFIX = 'ghcn/by-station/';

/** Options of {@link weatherJob}. */
export interface WeatherJobOptions {
  /**
   * The job's name.
   * @defaultValue 'weather'
   */
  readonly name?: string;
  /**
   * The bucket of the station files; also passed to the batches as `itemsBucket`.
   * @defaultValue the deployment's input bucket (workers then read from their data bucket)
   */
  readonly bucket?: string;
  /**
   * Key prefix of the station files.
   * @defaultValue WEATHER_PREFIX
   */
  readonly prefix?: string;
  /**
   * `list`: the items are an S3 listing of the prefix. `manifest`: the items are the dataset's
   * manifest (a JSON array of `{ Key }`), so objects listed there but absent are reported missing.
   * @defaultValue 'list'
   */
  readonly itemSource?: 'list' | 'manifest';
  /**
   * The manifest's key (with `itemSource: 'manifest'`).
   * @defaultValue defaultManifestKey(prefix)
   */
  readonly manifestKey?: string;
  /**
   * Station files per batch.
   * @defaultValue 50
   */
  readonly filesPerBatch?: number;
  /**
   * Files that may fail (corrupt, missing, failed batches) before the job fails, in percent of
   * all files. Enforced by the Map Run for failed batches and by the aggregate step for files
   * reported inside successful batches.
   * @defaultValue 5
   */
  readonly toleratedFailurePercentage?: number;
  /**
   * Most workers.
   * @defaultValue 2
   */
  readonly maxWorkers?: number;
  /**
   * Handler threads per worker.
   * @defaultValue 1
   */
  readonly threads?: number;
  /**
   * Batches at once per thread (the work waits on S3, so a thread can run several).
   * @defaultValue 4
   */
  readonly tasksPerThread?: number;
  /**
   * One attempt of one batch, counted from scheduling; a timed-out batch is retried.
   * @defaultValue 300
   */
  readonly activityTimeoutSeconds?: number;
  /** The fault test mode (see WeatherFaults); off when left out. */
  readonly faults?: WeatherFaults;
  /** Extra worker environment (e.g. `STEPFLEET_PROTECTION_IDLE_RELEASE_MS` for a quick scale-in in tests). @defaultValue `{}` */
  readonly workerEnvironment?: Readonly<Record<string, string>>;
  /**
   * Handler modules.
   * @defaultValue WEATHER_HANDLERS.source
   */
  readonly handlers?: { readonly batch: string; readonly aggregate: string };
}

/** The job spec of the weather example; throws JobSpecError or Input.Invalid naming a bad field. */
export function weatherJob(options: WeatherJobOptions = {}): JobSpec {
  const prefix = options.prefix ?? WEATHER_PREFIX;
  const handlers = options.handlers ?? WEATHER_HANDLERS.source;
  const tolerated = options.toleratedFailurePercentage ?? 5;
  const timeoutSeconds = options.activityTimeoutSeconds ?? 300;
  const batchInput = {
    toleratedFailurePercentage: tolerated,
    ...(options.bucket ? { itemsBucket: options.bucket } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
  };
  // Fail here, with the field named, rather than in every batch.
  resolveWeatherBatchInput(batchInput);
  const bucket = options.bucket ? { bucket: options.bucket } : {};
  const maxWorkers = options.maxWorkers ?? 2;
  const threads = options.threads ?? 1;
  const tasksPerThread = options.tasksPerThread ?? 4;
  return defineJob({
    name: options.name ?? 'weather',
    items:
      (options.itemSource ?? 'list') === 'list'
        ? { type: 's3-objects', ...bucket, prefix }
        : { type: 'json', ...bucket, key: options.manifestKey ?? defaultManifestKey(prefix) },
    batching: {
      maxItems: options.filesPerBatch ?? 50,
      batchInput: JSON.parse(JSON.stringify(batchInput)) as JsonObject,
    },
    // Every slot of the fleet busy: a thread runs tasksPerThread batches at once.
    maxConcurrency: maxWorkers * threads * tasksPerThread,
    toleratedFailure: { percentage: tolerated },
    // Reading a file is idempotent: retrying a batch is always safe, a timed-out one included
    // (Handler.Timeout: the worker aborted it at its deadline; States.Timeout: Step Functions did).
    retry: {
      errors: [...DEFAULT_RETRYABLE_ERRORS, 'Handler.Timeout', 'States.Timeout'],
      maxAttempts: 2,
      intervalSeconds: 1,
    },
    activity: { timeoutSeconds, heartbeatSeconds: Math.min(30, Math.floor(timeoutSeconds / 2)) },
    aggregate: { handler: handlers.aggregate, timeoutSeconds: 600, heartbeatSeconds: 60 },
    worker: {
      handler: handlers.batch,
      cpu: 512,
      threads,
      stopTimeoutSeconds: 60,
      environment: {
        STEPFLEET_TASKS_PER_THREAD: String(tasksPerThread),
        ...options.workerEnvironment,
      },
    },
    fleet: { maxWorkers, capacity: 'mixed' },
  });
}

/** The job with its defaults. */
export default weatherJob();
