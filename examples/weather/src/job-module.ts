/**
 * `stepfleet run weather`: the weather example as a job module (the CLI's JobModule contract).
 * Locally it generates the station files first (`--items` station files, one year each, 1 % of
 * them corrupt so the report shows the partial-failure policy at work), then runs the job, then
 * prints the per-month table and writes it to `out/`. On AWS the files are expected in the
 * deployment's input bucket under {@link WEATHER_PREFIX}.
 *
 * The fault suite builds its runs with {@link weatherPlan}, which takes the dataset's damage and
 * the fault test mode on top of the CLI's options.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobModule, JobPlan, JobRunOptions } from 'stepfleet';
import type { WeatherSummary } from './aggregate-handler.ts';
import type { WeatherFaults } from './batch-input.ts';
import type { DatasetOptions } from './dataset.ts';
import { WEATHER_HANDLERS, WEATHER_PREFIX, weatherJob } from './job.ts';

/** Defaults sized for a quick local run on a 2-core machine. */
export const WEATHER_RUN_DEFAULTS = {
  stationFiles: 400,
  filesPerBatch: 50,
  workers: 2,
  threads: 1,
  seed: 'demo',
  corruptPercentage: 1,
  toleratedFailurePercentage: 5,
} as const;

/** The bucket a local run writes the station files to (and reads the items from). */
export const WEATHER_INPUT_BUCKET = 'stepfleet-weather-input';

/** What {@link weatherPlan} takes besides the CLI's options. */
export interface WeatherPlanOptions {
  /**
   * Corrupt station files written by a local run.
   * @defaultValue 1 % of the files (at least 1 when there are 100 or more)
   */
  readonly corrupt?: number;
  /**
   * Files listed in the manifest but not written; the job then reads the manifest as its items.
   * @defaultValue 0
   */
  readonly missing?: number;
  /** @defaultValue WEATHER_RUN_DEFAULTS.toleratedFailurePercentage */
  readonly toleratedFailurePercentage?: number;
  /** The fault test mode (see WeatherFaults). */
  readonly faults?: WeatherFaults;
  /** Batches at once per worker thread. @defaultValue 4 */
  readonly tasksPerThread?: number;
  /** One attempt of one batch, seconds. @defaultValue 300 */
  readonly activityTimeoutSeconds?: number;
  /** Extra worker environment. @defaultValue `{}` */
  readonly workerEnvironment?: Readonly<Record<string, string>>;
}

/**
 * The dataset a local run of {@link weatherPlan} writes (one year per station): what a test
 * passes to planDataset to know every object, its fate and the expected result.
 */
export function weatherRunDataset(
  options: JobRunOptions,
  extra: WeatherPlanOptions = {},
): DatasetOptions & { readonly prefix: string; readonly corrupt: number; readonly missing: number } {
  const files = options.items ?? WEATHER_RUN_DEFAULTS.stationFiles;
  if (!Number.isSafeInteger(files) || files < 1 || files > 1_000_000) {
    throw new RangeError(`--items must be a number of station files in [1, 1000000], got ${files}`);
  }
  const seed = options.seed ?? WEATHER_RUN_DEFAULTS.seed;
  if (seed.length === 0 || seed.length > 200) throw new RangeError('--seed must be 1-200 characters');
  const corrupt = extra.corrupt ?? Math.floor((files * WEATHER_RUN_DEFAULTS.corruptPercentage) / 100);
  const missing = extra.missing ?? 0;
  // Each dataset gets its own prefix, so runs of different sizes and seeds share a backend.
  const tag = seed.replace(/[^A-Za-z0-9-]/g, '_').slice(0, 40);
  return {
    stations: files,
    seed,
    corrupt,
    missing,
    prefix: `ghcn-${files}-${corrupt}-${missing}-${tag}/by-station/`,
  };
}

/** A run of the weather job from the CLI's options (and, for tests, the dataset's damage and faults). */
export function weatherPlan(options: JobRunOptions, extra: WeatherPlanOptions = {}): JobPlan {
  const dataset = weatherRunDataset(options, extra);
  const { stations: files, missing } = dataset;
  const local = options.target === 'local';
  const prefix = local ? dataset.prefix : WEATHER_PREFIX;
  const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
  const spec = weatherJob({
    ...(local ? { bucket: WEATHER_INPUT_BUCKET } : {}),
    prefix,
    itemSource: missing > 0 ? 'manifest' : 'list',
    filesPerBatch: Math.min(options.batchSize ?? WEATHER_RUN_DEFAULTS.filesPerBatch, files),
    maxWorkers: options.workers ?? WEATHER_RUN_DEFAULTS.workers,
    threads: options.threads ?? WEATHER_RUN_DEFAULTS.threads,
    toleratedFailurePercentage:
      extra.toleratedFailurePercentage ?? WEATHER_RUN_DEFAULTS.toleratedFailurePercentage,
    ...(extra.tasksPerThread ? { tasksPerThread: extra.tasksPerThread } : {}),
    ...(extra.activityTimeoutSeconds ? { activityTimeoutSeconds: extra.activityTimeoutSeconds } : {}),
    ...(extra.faults ? { faults: extra.faults } : {}),
    ...(extra.workerEnvironment ? { workerEnvironment: extra.workerEnvironment } : {}),
    handlers: local
      ? { batch: here('./handler.ts'), aggregate: here('./aggregate-handler.ts') }
      : WEATHER_HANDLERS.compiled,
  });
  return {
    spec,
    async prepare({ s3, inputBucket, log, signal }) {
      const { writeDataset } = await import('./dataset-writer.ts');
      let last = 0;
      const summary = await writeDataset({
        ...dataset,
        client: s3,
        bucket: inputBucket,
        signal,
        onProgress: (written, total) => {
          if (written - last >= total / 4 && written < total) {
            last = written;
            log(`  ${written} of ${total} station files written`);
          }
        },
      });
      const mib = (summary.bytes / 2 ** 20).toFixed(1);
      const damage = [
        summary.corrupt.length ? `${summary.corrupt.length} corrupt` : '',
        summary.missing.length ? `${summary.missing.length} missing` : '',
      ].filter(Boolean);
      return `station files: ${summary.written} (${mib} MiB${damage.length ? `, ${damage.join(', ')}` : ''}), s3://${inputBucket}/${prefix}`;
    },
    async report({ s3, output, outDir, print }) {
      const { formatWeatherTable, readWeatherResult } = await import('./result-store.ts');
      const { resultCsv } = await import('./monthly-maxima.ts');
      const summary = (output as { result?: WeatherSummary }).result;
      if (!summary?.resultUrl) throw new Error('the execution output has no result.resultUrl');
      const result = await readWeatherResult(s3, summary.resultUrl);
      print(formatWeatherTable(result));
      await mkdir(outDir, { recursive: true });
      const json = join(outDir, 'weather-monthly-max.json');
      const csv = join(outDir, 'weather-monthly-max.csv');
      await writeFile(json, `${JSON.stringify(result, null, 2)}\n`);
      await writeFile(csv, resultCsv(result));
      return [json, csv];
    },
  };
}

const weather: JobModule = {
  description:
    'highest temperature per month over GHCN-style station files in S3 (I/O-bound, partial failures)',
  plan: (options) => weatherPlan(options),
};

export default weather;
