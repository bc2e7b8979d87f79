/**
 * Reads a Map Run's results as the ResultWriter left them (`manifest.json`, then each
 * `SUCCEEDED_n.json`: an array of child executions whose `Output` is the batch output) and
 * sums them into the portfolio result. Refuses an incomplete run: a failed or pending batch
 * would silently drop loans from the result.
 */
import { AggregationError, PortfolioAggregator, type PortfolioResult } from './aggregate.ts';
import type { BatchResult } from './batch.ts';
import { type BatchOutputStore, resolveBatchOutput } from './batch-output.ts';
import { forEachJsonArrayElement } from './json-array-scan.ts';
import type { ResolvedSimulationInput } from './simulation-input.ts';

/** The ResultWriter's manifest, as AWS documents it. */
interface ResultManifest {
  readonly DestinationBucket: string;
  readonly MapRunArn?: string;
  readonly ResultFiles: Readonly<
    Record<'SUCCEEDED' | 'FAILED' | 'PENDING', readonly { Key: string; Size?: number }[]>
  >;
}

/** Batch outputs resolved (fetched from S3 when spilled) at once. */
const RESOLVE_CONCURRENCY = 8;

/** What {@link aggregateMapRun} needs. */
export interface MapRunResultsOptions {
  /** The aggregate task's `ResultWriterDetails`: the manifest's bucket and key. */
  readonly manifest: { readonly Bucket: string; readonly Key: string };
  readonly settings: ResolvedSimulationInput;
  readonly store: Pick<BatchOutputStore, 'getText'> & {
    getBytes(ref: { Bucket: string; Key: string }, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
  };
  readonly signal?: AbortSignal;
  /** Called after each batch is added, with the batch (for heartbeats, progress, per-loan output). */
  readonly onBatch?: (batchesAdded: number, batch: BatchResult) => void;
}

/** Sums every successful batch of the Map Run into the portfolio result. */
export async function aggregateMapRun(
  options: MapRunResultsOptions,
): Promise<{ result: PortfolioResult; batches: number }> {
  const { manifest: where, settings, store, signal, onBatch } = options;
  const manifest = JSON.parse(
    await store.getText({ Bucket: where.Bucket, Key: where.Key }, { signal }),
  ) as ResultManifest;
  const files = manifest?.ResultFiles;
  if (!files || !Array.isArray(files.SUCCEEDED)) {
    throw new AggregationError(
      `s3://${where.Bucket}/${where.Key} is not a ResultWriter manifest (no ResultFiles.SUCCEEDED)`,
    );
  }
  for (const kind of ['FAILED', 'PENDING'] as const) {
    const listed = files[kind] ?? [];
    if (listed.length > 0 && listed.some((f) => (f.Size ?? 1) > 2)) {
      throw new AggregationError(
        `the Map Run has ${kind} batches (${listed.map((f) => f.Key).join(', ')}): the result would miss their loans`,
      );
    }
  }
  const bucket = manifest.DestinationBucket ?? where.Bucket;
  const aggregator = new PortfolioAggregator(settings);
  for (const file of files.SUCCEEDED) {
    // Scanned from bytes: a result file can be larger than the largest string V8 can hold.
    const entries: { Output?: string }[] = [];
    try {
      forEachJsonArrayElement(await store.getBytes({ Bucket: bucket, Key: file.Key }, { signal }), (e) => {
        // Keep only the output: the batch's input (its items) is not needed here.
        entries.push({ Output: (e as { Output?: string } | null)?.Output });
      });
    } catch (error) {
      throw new AggregationError(
        `${file.Key} is not a JSON array of executions: ${(error as Error).message}`,
      );
    }
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < entries.length) {
        const entry = entries[next++]!;
        if (typeof entry.Output !== 'string')
          throw new AggregationError(`${file.Key}: a succeeded execution has no Output`);
        const batch = await resolveBatchOutput(JSON.parse(entry.Output), store, signal);
        aggregator.add(batch);
        onBatch?.(aggregator.batchCount, batch);
      }
    };
    await Promise.all(Array.from({ length: Math.min(RESOLVE_CONCURRENCY, entries.length) }, lane));
  }
  return { result: aggregator.finish(), batches: aggregator.batchCount };
}
