/**
 * Writes a planned dataset to S3 through the real client (AWS, or the local backend through
 * AWS_ENDPOINT_URL): every station-year object but the missing ones, a bounded number of PUTs in
 * flight, each body generated just before it is sent; then the manifest, a JSON array of
 * `{ "Key" }` listing every object, missing ones included (what a `json` item source reads).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CorruptionKind } from './corruption.ts';
import { type DatasetOptions, defaultManifestKey, objectBody, planDataset } from './dataset.ts';

/** Options of {@link writeDataset}. */
export interface DatasetWriterOptions extends DatasetOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /**
   * Key of the manifest. Kept out of the data prefix, so a listing of the prefix does not see it.
   * @defaultValue the prefix without its trailing `/`, plus `.manifest.json`
   */
  readonly manifestKey?: string;
  /**
   * PUT requests in flight at once (1 to 256).
   * @defaultValue 16
   */
  readonly concurrency?: number;
  /** Called after each object is written, with the number written so far. */
  readonly onProgress?: (written: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/** What {@link writeDataset} wrote. */
export interface DatasetSummary {
  readonly bucket: string;
  readonly prefix: string;
  readonly manifestKey: string;
  /** Objects listed in the manifest (written + missing). */
  readonly listed: number;
  readonly written: number;
  readonly bytes: number;
  readonly stations: number;
  /** The corrupt objects, by key, with their kind. */
  readonly corrupt: readonly { readonly key: string; readonly kind: CorruptionKind }[];
  /** The keys listed in the manifest but never written. */
  readonly missing: readonly string[];
}

/** Writes the dataset; rejects on the first failed PUT (no new PUT starts after it). */
export async function writeDataset(options: DatasetWriterOptions): Promise<DatasetSummary> {
  const { client, bucket, signal, onProgress } = options;
  const concurrency = options.concurrency ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new RangeError(`concurrency must be an integer in [1, 256], got ${concurrency}`);
  }
  const plan = planDataset(options);
  const manifestKey = options.manifestKey ?? defaultManifestKey(plan.prefix);
  if (manifestKey.startsWith(plan.prefix)) {
    throw new RangeError(
      `manifestKey ${manifestKey} is under the data prefix ${plan.prefix}: a listing would see it`,
    );
  }
  const toWrite = plan.objects.filter((o) => o.fate !== 'missing');
  let cursor = 0;
  let written = 0;
  let bytes = 0;
  let stop = false;
  const put = (Key: string, Body: Uint8Array | string, ContentType: string) =>
    client.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ContentType }), { abortSignal: signal });
  const worker = async (): Promise<void> => {
    while (!stop && cursor < toWrite.length) {
      signal?.throwIfAborted();
      const object = toWrite[cursor++]!;
      const body = objectBody(plan, object)!;
      try {
        await put(object.key, body, 'text/csv');
      } catch (error) {
        stop = true;
        throw error;
      }
      written++;
      bytes += body.byteLength;
      onProgress?.(written, toWrite.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, toWrite.length) }, worker));
  const manifest = plan.objects.map((o) => ({ Key: o.key }));
  await put(manifestKey, JSON.stringify(manifest), 'application/json');
  return {
    bucket,
    prefix: plan.prefix,
    manifestKey,
    listed: plan.objects.length,
    written,
    bytes,
    stations: options.stations,
    corrupt: plan.objects
      .filter((o) => o.fate === 'corrupt')
      .map((o) => ({ key: o.key, kind: o.corruption! })),
    missing: plan.objects.filter((o) => o.fate === 'missing').map((o) => o.key),
  };
}
