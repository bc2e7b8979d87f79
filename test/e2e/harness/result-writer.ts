/**
 * Reads what a Map Run's ResultWriter left in S3 (`manifest.json`, then `SUCCEEDED_n.json`,
 * `FAILED_n.json`, `PENDING_n.json`) and checks that every item has exactly one result.
 */
import assert from 'node:assert/strict';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** The bucket the generated jobs' ResultWriter writes to, locally. */
export const RESULTS_BUCKET = 'stepfleet-results';

/** One child execution (one batch) as the ResultWriter exported it. */
export interface ResultEntry {
  readonly Input: string | { Items?: unknown[] };
  readonly Output?: string;
  readonly Status: string;
  readonly Error?: string;
  readonly Cause?: string;
}

/** The entries of one Map Run, by file kind. */
export interface MapRunResults {
  readonly succeeded: ResultEntry[];
  readonly failed: ResultEntry[];
  readonly pending: ResultEntry[];
}

async function readJson<T>(s3: S3Client, Bucket: string, Key: string): Promise<T> {
  const object = await s3.send(new GetObjectCommand({ Bucket, Key }));
  return JSON.parse(await object.Body!.transformToString()) as T;
}

/** Every entry the manifest lists. */
export async function readMapRunResults(
  s3: S3Client,
  manifest: { readonly Bucket: string; readonly Key: string },
): Promise<MapRunResults> {
  type Files = Record<'SUCCEEDED' | 'FAILED' | 'PENDING', { Key: string }[]>;
  const parsed = await readJson<{ DestinationBucket?: string; ResultFiles: Files }>(
    s3,
    manifest.Bucket,
    manifest.Key,
  );
  const bucket = parsed.DestinationBucket ?? manifest.Bucket;
  const read = async (kind: keyof Files) =>
    (
      await Promise.all(
        (parsed.ResultFiles[kind] ?? []).map((f) => readJson<ResultEntry[]>(s3, bucket, f.Key)),
      )
    ).flat();
  return { succeeded: await read('SUCCEEDED'), failed: await read('FAILED'), pending: await read('PENDING') };
}

/** The one manifest a job's Map Runs wrote under `results/<job>/` (a failed run's output names none). */
export async function findManifest(
  s3: S3Client,
  bucket: string,
  job: string,
): Promise<{ Bucket: string; Key: string } | undefined> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `results/${job}/` }));
  const keys = (listed.Contents ?? []).map((o) => o.Key!).filter((key) => key.endsWith('/manifest.json'));
  assert.ok(keys.length <= 1, `at most one Map Run of ${job} wrote results: ${keys.join(', ')}`);
  return keys[0] ? { Bucket: bucket, Key: keys[0] } : undefined;
}

/** The item keys of one entry (an S3 object item is `{ Key, ... }`). */
export function entryItemKeys(entry: ResultEntry): string[] {
  const input =
    typeof entry.Input === 'string' ? (JSON.parse(entry.Input) as { Items?: unknown[] }) : entry.Input;
  assert.ok(Array.isArray(input.Items), 'a batch entry carries its Items');
  return input.Items.map((item) => {
    const key = (item as { Key?: unknown }).Key;
    return typeof key === 'string' ? key : JSON.stringify(item);
  });
}

/**
 * Checks that the succeeded entries hold each of `expected` exactly once, and nothing else;
 * `failedKeys` (when given) are the items that must be in the FAILED entries instead.
 */
export function assertEachItemOnce(
  results: MapRunResults,
  expected: readonly string[],
  failedKeys: readonly string[] = [],
): void {
  const seen = new Map<string, number>();
  for (const entry of results.succeeded) {
    for (const key of entryItemKeys(entry)) seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const twice = [...seen].filter(([, n]) => n > 1).map(([key]) => key);
  assert.deepEqual(twice, [], 'no item has two results');
  const failed = new Set(failedKeys);
  const wanted = expected.filter((key) => !failed.has(key));
  const missing = wanted.filter((key) => !seen.has(key));
  assert.deepEqual(missing, [], 'every item has a result');
  assert.equal(seen.size, wanted.length, 'no result for an item that does not exist');
  const failedSeen = new Set(results.failed.flatMap(entryItemKeys));
  for (const key of failedKeys) assert.ok(failedSeen.has(key), `${key} is reported as failed`);
}

/**
 * For a run that did not succeed: among what its Map Run's ResultWriter wrote, if anything, no
 * item has two results, and each of `failedKeys` is in a FAILED entry. Returns the items with a
 * result, and the FAILED entries.
 */
export async function assertNoItemTwice(
  s3: S3Client,
  job: string,
  failedKeys: readonly string[] = [],
): Promise<{ succeededItems: number; failed: ResultEntry[] }> {
  const manifest = await findManifest(s3, RESULTS_BUCKET, job);
  assert.ok(manifest || failedKeys.length === 0, `the Map Run of ${job} wrote its results`);
  if (!manifest) return { succeededItems: 0, failed: [] };
  const results = await readMapRunResults(s3, manifest);
  const keys = results.succeeded.flatMap(entryItemKeys);
  assert.equal(new Set(keys).size, keys.length, 'no item has two results');
  const failedSeen = new Set(results.failed.flatMap(entryItemKeys));
  for (const key of failedKeys) assert.ok(failedSeen.has(key), `${key} is reported as failed`);
  assert.ok(
    failedKeys.every((key) => !keys.includes(key)),
    'a failed item has no result',
  );
  return { succeededItems: keys.length, failed: results.failed };
}
