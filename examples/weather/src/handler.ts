/**
 * The batch handler the workers run, in the worker SDK's per-item mode: a batch is a list of
 * station-file keys (an `s3:listObjectsV2` listing, or a manifest's `{ Key }` entries); up to
 * {@link ITEM_CONCURRENCY} files of a batch are read and scanned at once (the work is waiting on
 * S3), and a file that fails (corrupt, missing) is reported by index with its key in the error
 * while the rest of the batch succeeds. The task's output is the SDK's `ItemsReport`.
 *
 * @example
 * ```sh
 * stepfleet worker examples/weather/src/handler.ts --activity-arn <arn> --tasks-per-thread 4
 * ```
 */
import { defineItemHandler, type S3Helpers } from '@stepfleet/worker/handler';
import { type ResolvedWeatherBatchInput, weatherBatchInputSchema } from './batch-input.ts';
import { MissingStationFileError } from './errors.ts';
import { applyFaults } from './faults.ts';
import { type StationMonthlyMax, scanStationFile } from './monthly-max.ts';

/** Files of one batch in flight at once in a task. */
export const ITEM_CONCURRENCY = 32;

/** A station-file item: an entry of an S3 listing or of the dataset's manifest. */
export interface StationFileItem {
  readonly Key: string;
  readonly Bucket?: string;
}

/** Reads and scans one station file; exported for tests and the benchmark. */
export async function processStationFile(
  item: StationFileItem,
  s3: Pick<S3Helpers, 'getBytes'>,
  bucket: string | undefined,
  signal: AbortSignal,
): Promise<StationMonthlyMax> {
  if (typeof item?.Key !== 'string' || item.Key === '') {
    throw new TypeError(
      `an item must be { Key } of a station file, got ${JSON.stringify(item)?.slice(0, 100)}`,
    );
  }
  let body: Uint8Array;
  try {
    body = await s3.getBytes(
      { Key: item.Key, ...((item.Bucket ?? bucket) ? { Bucket: item.Bucket ?? bucket } : {}) },
      { signal },
    );
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') {
      throw new MissingStationFileError(`${item.Key}: no such object (listed, but absent from the bucket)`, {
        cause: error,
      });
    }
    throw error;
  }
  // The helpers return the body whole (a station-year is ~50 KB); the scanner never builds one string of it.
  return scanStationFile(item.Key, [body]);
}

export default defineItemHandler<StationFileItem, ResolvedWeatherBatchInput, StationMonthlyMax>(
  async (item, { batchInput, signal, s3, task }) => {
    await applyFaults(item?.Key, batchInput.faults, task?.attempt ?? 0, signal);
    return processStationFile(item, s3, batchInput.itemsBucket, signal);
  },
  // A bad BatchInput fails the whole task (Input.Invalid) before any item runs.
  { concurrency: ITEM_CONCURRENCY, onItemError: 'report', batchInputSchema: weatherBatchInputSchema },
);
