/**
 * The job spec: what a user writes ({@link JobSpecInput}) and what {@link defineJob} turns it
 * into ({@link JobSpec}: checked, every default filled in, frozen). Durations are in seconds,
 * the unit the Step Functions fields they become use.
 */

/** A JSON value, as it can appear in a state machine definition or a task input. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** The S3 object list of a bucket: one item per object `{ Key, Size, Etag, LastModified, StorageClass }`. */
export interface S3ObjectsSourceInput {
  readonly type: 's3-objects';
  /** The bucket to list. @defaultValue the deployment's input bucket (`JobResources.inputBucket`) */
  readonly bucket?: string;
  /** Only keys starting with this. @defaultValue `''` (the whole bucket) */
  readonly prefix?: string;
  /** Read only the first N items: for a trial run. @defaultValue all items */
  readonly maxItems?: number;
}

/** A CSV object: one item per row, an object keyed by the column headers. */
export interface CsvSourceInput {
  readonly type: 'csv';
  /** @defaultValue the deployment's input bucket */
  readonly bucket?: string;
  /** The object's key. */
  readonly key: string;
  /**
   * `'first-row'` when the file's first row holds the headers, or the header names when the
   * file has none. @defaultValue `'first-row'`
   */
  readonly headers?: 'first-row' | readonly string[];
  /** The column delimiter. @defaultValue `','` */
  readonly delimiter?: CsvDelimiter;
  /** @defaultValue all items */
  readonly maxItems?: number;
}

/** The CSV delimiters Step Functions reads (`ReaderConfig.CSVDelimiter`). */
export type CsvDelimiter = ',' | '|' | ';' | ' ' | '\t';

/** A JSON object holding a top-level array (`type: 'json'`) or a JSON Lines object (`'jsonl'`). */
export interface JsonSourceInput {
  readonly type: 'json' | 'jsonl';
  /** @defaultValue the deployment's input bucket */
  readonly bucket?: string;
  /** The object's key. */
  readonly key: string;
  /** @defaultValue all items */
  readonly maxItems?: number;
}

/** An S3 Inventory report: the key of its `manifest.json`; one item per listed object. */
export interface ManifestSourceInput {
  readonly type: 'manifest';
  /** @defaultValue the deployment's input bucket */
  readonly bucket?: string;
  /** Key of the inventory's `manifest.json`. */
  readonly key: string;
  /** @defaultValue all items */
  readonly maxItems?: number;
}

/** Where the job's items come from. */
export type ItemSourceInput = S3ObjectsSourceInput | CsvSourceInput | JsonSourceInput | ManifestSourceInput;

/** How items are grouped into batches, one batch per child execution and activity task. */
export interface BatchingInput {
  /** Most items in one batch (1..100,000). @defaultValue 100 */
  readonly maxItems?: number;
  /**
   * Most bytes of items in one batch. Together with `batchInput` and the 4 KiB the task
   * envelope needs it must fit the 256 KiB task input limit.
   * @defaultValue 262,144 − 4,096 − the size of `batchInput`
   */
  readonly maxBytes?: number;
  /** A JSON object every batch receives as `BatchInput` (job parameters). @defaultValue `{}` */
  readonly batchInput?: JsonObject;
}

/**
 * How many failed items the Map Run tolerates before it fails. AWS counts items, and a failed
 * batch counts all its items as failed.
 */
export interface ToleratedFailureInput {
  /** 0..100. @defaultValue 0 */
  readonly percentage?: number;
  /** @defaultValue 0 */
  readonly count?: number;
}

/** Retry of a failed activity task (the ASL `Retry` of its state). */
export interface RetryPolicyInput {
  /**
   * The error names retried. `States.ALL` must stand alone.
   * @defaultValue {@link DEFAULT_RETRYABLE_ERRORS}
   */
  readonly errors?: readonly string[];
  /** Wait before the first retry. @defaultValue 2 */
  readonly intervalSeconds?: number;
  /** Retries after the first attempt; 0 turns retry off. @defaultValue 3 */
  readonly maxAttempts?: number;
  /** Multiplier of the wait per retry (≥ 1). @defaultValue 2 */
  readonly backoffRate?: number;
  /** Cap on one wait. @defaultValue 60 */
  readonly maxDelaySeconds?: number;
  /** `FULL` waits a random time up to the computed delay, so retries of many batches spread out. @defaultValue `'FULL'` */
  readonly jitter?: 'FULL' | 'NONE';
}

/** The activity task's clocks. */
export interface ActivityTimeoutsInput {
  /**
   * Longest one attempt of a batch may take, counted from when the task is scheduled (AWS
   * counts time waiting for a worker too). @defaultValue 3600
   */
  readonly timeoutSeconds?: number;
  /** The task fails with `States.HeartbeatTimeout` when no heartbeat came for this long. @defaultValue 60 */
  readonly heartbeatSeconds?: number;
}

/** The optional reduce step: an activity on the same fleet that reads the Map Run's results. */
export interface AggregateInput extends ActivityTimeoutsInput {
  /** Module exporting the aggregate handler. @defaultValue the worker's `handler` */
  readonly handler?: string;
  /** @defaultValue the job's `retry` */
  readonly retry?: RetryPolicyInput | false;
}

/** Where the Map Run's results go (its ResultWriter). */
export interface ResultsInput {
  /** @defaultValue the deployment's results bucket (`JobResources.resultsBucket`) */
  readonly bucket?: string;
  /** Key prefix; AWS writes `<prefix>/<mapRunId>/manifest.json` and the result files. @defaultValue `results/<job name>` */
  readonly prefix?: string;
}

/** The worker container. */
export interface WorkerInput {
  /** Path of the handler module, relative to the image's app directory (or absolute). */
  readonly handler: string;
  /** CPU units (1024 = 1 vCPU), a Fargate value. @defaultValue 1024 */
  readonly cpu?: number;
  /** Memory in MiB, valid with `cpu` on Fargate. @defaultValue 2048 */
  readonly memoryMiB?: number;
  /** Handler threads, i.e. batches one worker runs at once. @defaultValue vCPUs (cpu / 1024), at least 1 */
  readonly threads?: number;
  /** Time between SIGTERM and SIGKILL (≤ 120 on Fargate). @defaultValue 120 */
  readonly stopTimeoutSeconds?: number;
  /** Extra environment variables of the container. @defaultValue `{}` */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * The Fargate / Fargate Spot mix: `'on-demand'` only, `'spot'` only (cheapest, no fallback when
 * Spot has no capacity), `'mixed'` (the first worker on-demand, then 3 Spot for each on-demand),
 * or an explicit capacity provider strategy.
 */
export type CapacityInput = 'on-demand' | 'spot' | 'mixed' | CapacityStrategyInput;

/** An explicit capacity provider strategy: the first `onDemandBase` workers on FARGATE, the rest split by weight. */
export interface CapacityStrategyInput {
  /** @defaultValue 0 */
  readonly onDemandBase?: number;
  /** @defaultValue 0 */
  readonly onDemandWeight?: number;
  /** @defaultValue 0 */
  readonly spotWeight?: number;
}

/** The fleet of workers. */
export interface FleetInput {
  /** Fewest workers while a run is open (the fleet is always 0 at rest). @defaultValue 0 */
  readonly minWorkers?: number;
  /** Most workers (1..5,000). @defaultValue 10 */
  readonly maxWorkers?: number;
  /** @defaultValue `'mixed'` */
  readonly capacity?: CapacityInput;
}

/** What a user writes: the input of {@link defineJob}. */
export interface JobSpecInput {
  /** The job's name: lowercase letters, digits and hyphens, starting with a letter, at most 40 characters. */
  readonly name: string;
  readonly items: ItemSourceInput;
  readonly batching?: BatchingInput;
  /**
   * Most batches running at once (0..10,000; 0 means 10,000). More than the fleet's slots only
   * queues tasks, whose wait counts against their `timeoutSeconds`.
   * @defaultValue maxWorkers × threads (capped at 10,000)
   */
  readonly maxConcurrency?: number;
  readonly toleratedFailure?: ToleratedFailureInput;
  /** `false` turns retry off. @defaultValue the {@link RetryPolicyInput} defaults */
  readonly retry?: RetryPolicyInput | false;
  readonly activity?: ActivityTimeoutsInput;
  readonly results?: ResultsInput;
  /** `true` for the defaults. @defaultValue no aggregate step */
  readonly aggregate?: AggregateInput | boolean;
  readonly worker: WorkerInput;
  readonly fleet?: FleetInput;
  /**
   * The state machine's `TimeoutSeconds`.
   * @defaultValue derived from the work: see {@link defaultTimeoutSeconds}
   */
  readonly timeoutSeconds?: number;
}

/** A checked item source, every default filled in. */
export type ItemSource =
  | {
      readonly type: 's3-objects';
      readonly bucket?: string;
      readonly prefix: string;
      readonly maxItems?: number;
    }
  | {
      readonly type: 'csv';
      readonly bucket?: string;
      readonly key: string;
      readonly headers: 'first-row' | readonly string[];
      readonly delimiter: CsvDelimiter;
      readonly maxItems?: number;
    }
  | {
      readonly type: 'json' | 'jsonl' | 'manifest';
      readonly bucket?: string;
      readonly key: string;
      readonly maxItems?: number;
    };

/** A checked retry policy. */
export interface RetryPolicy {
  readonly errors: readonly string[];
  readonly intervalSeconds: number;
  readonly maxAttempts: number;
  readonly backoffRate: number;
  readonly maxDelaySeconds: number;
  readonly jitter: 'FULL' | 'NONE';
}

/** A checked capacity provider strategy. */
export interface CapacityStrategy {
  readonly onDemandBase: number;
  readonly onDemandWeight: number;
  readonly spotWeight: number;
}

/** A job, checked, fully defaulted and frozen: the output of {@link defineJob}. */
export interface JobSpec {
  readonly name: string;
  readonly items: ItemSource;
  readonly batching: {
    readonly maxItems: number;
    readonly maxBytes: number;
    readonly batchInput: JsonObject;
  };
  /** The effective value, 1..10,000 (an input of 0 becomes 10,000). */
  readonly maxConcurrency: number;
  readonly toleratedFailure: { readonly percentage: number; readonly count: number };
  /** `maxAttempts: 0` when retry is off. */
  readonly retry: RetryPolicy;
  readonly activity: { readonly timeoutSeconds: number; readonly heartbeatSeconds: number };
  readonly results: { readonly bucket?: string; readonly prefix: string };
  /** Absent when the job has no aggregate step. */
  readonly aggregate?: {
    readonly handler: string;
    readonly timeoutSeconds: number;
    readonly heartbeatSeconds: number;
    readonly retry: RetryPolicy;
  };
  readonly worker: {
    readonly handler: string;
    readonly cpu: number;
    readonly memoryMiB: number;
    readonly threads: number;
    readonly stopTimeoutSeconds: number;
    readonly environment: Readonly<Record<string, string>>;
  };
  readonly fleet: {
    readonly minWorkers: number;
    readonly maxWorkers: number;
    readonly capacity: CapacityStrategy;
  };
  readonly timeoutSeconds: number;
}
