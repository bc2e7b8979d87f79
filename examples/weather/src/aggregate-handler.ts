/**
 * The aggregate step's handler (an activity on the same fleet): reads the Map Run's results
 * (the ResultWriter manifest the state passes in), reduces them to the per-month maxima across
 * stations, writes the result as JSON and CSV next to the manifest, and returns where they are
 * with a summary: stations, months, the failed files by key. When more files failed than
 * `toleratedFailurePercentage` allows, it fails with `Weather.TooManyFailedItems` instead (the
 * result files are written first, so the failures can be read).
 */
import { defineHandler } from '@stepfleet/worker/handler';
import { resolveWeatherBatchInput } from './batch-input.ts';
import { TooManyFailedItemsError, WeatherAggregationError } from './errors.ts';
import { readMapRunResults } from './map-run-results.ts';
import { type FailedFile, MonthlyMaxima, type MonthRecord, resultCsv } from './monthly-maxima.ts';

/** The aggregate task's input (the generated state machine's Parameters). */
export interface WeatherAggregateInput {
  readonly MapRunArn?: string;
  readonly ResultWriterDetails: { readonly Bucket: string; readonly Key: string };
  readonly BatchInput?: unknown;
}

/** Failed files listed in the summary at most (all of them are in the result object). */
export const SUMMARY_FAILED_LIMIT = 50;

/** What the aggregate step returns (the activity output is capped at 256 KiB; the full result is in S3). */
export interface WeatherSummary {
  readonly resultUrl: string;
  readonly csvUrl: string;
  readonly stations: number;
  readonly months: number;
  readonly files: { readonly total: number; readonly succeeded: number; readonly failed: number };
  readonly failedPercentage: number;
  /** The first {@link SUMMARY_FAILED_LIMIT} failed files, by key. */
  readonly failed: readonly FailedFile[];
  /** The hottest month's record, when any file was read. */
  readonly hottest: MonthRecord | null;
  readonly batches: number;
}

export default defineHandler<WeatherAggregateInput, WeatherSummary>(
  async (input, { s3, signal, heartbeat, log }) => {
    const details = input?.ResultWriterDetails;
    if (typeof details?.Bucket !== 'string' || typeof details?.Key !== 'string') {
      throw new WeatherAggregationError(
        'ResultWriterDetails { Bucket, Key } is required: the Map Run must have a ResultWriter',
      );
    }
    const settings = resolveWeatherBatchInput(input.BatchInput);
    const maxima = new MonthlyMaxima();
    const batches = await readMapRunResults({
      manifest: details,
      store: s3,
      into: maxima,
      signal,
      onFile: () => heartbeat(),
    });
    const result = maxima.finish();
    const dir = details.Key.slice(0, details.Key.lastIndexOf('/') + 1);
    const at = (name: string) => ({ Bucket: details.Bucket, Key: `${dir}${name}` });
    const resultUrl = await s3.putJson(at('weather-monthly-max.json'), result, { signal });
    const csvUrl = await s3.put(at('weather-monthly-max.csv'), resultCsv(result), {
      contentType: 'text/csv; charset=utf-8',
      signal,
    });
    log.info(
      {
        batches,
        stations: result.stations,
        months: result.months.length,
        failed: result.files.failed,
        resultUrl,
      },
      'monthly maxima aggregated',
    );
    if (result.failedPercentage > settings.toleratedFailurePercentage) {
      const named = result.failed.slice(0, 10).map((f) => `${f.key} (${f.error})`);
      throw new TooManyFailedItemsError(
        `${result.files.failed} of ${result.files.total} files failed (${result.failedPercentage} %), more than the ` +
          `${settings.toleratedFailurePercentage} % tolerated: ${named.join(', ')}${result.files.failed > 10 ? ', ...' : ''}; all in ${resultUrl}`,
      );
    }
    const hottest = result.months.reduce<MonthRecord | null>(
      (best, m) => (best === null || m.tmax > best.tmax ? m : best),
      null,
    );
    return {
      resultUrl,
      csvUrl,
      stations: result.stations,
      months: result.months.length,
      files: result.files,
      failedPercentage: result.failedPercentage,
      failed: result.failed.slice(0, SUMMARY_FAILED_LIMIT),
      hottest,
      batches,
    };
  },
);
