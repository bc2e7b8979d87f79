/**
 * Reads a Map Run's results as the ResultWriter left them (`manifest.json`, then each
 * `SUCCEEDED_n.json`: an array of child executions whose `Output` is the batch output), streamed
 * by the worker SDK's reader, and sums them into the portfolio result. Refuses an incomplete
 * run: a failed or pending batch would silently drop loans from the result.
 */
import {
  ResultWriterError,
  type ResultWriterStore,
  readMapRunResults,
  readResultManifest,
} from '@stepfleet/worker/handler';
import { AggregationError, PortfolioAggregator, type PortfolioResult } from './aggregate.ts';
import type { BatchResult } from './batch.ts';
import { type BatchOutputStore, resolveBatchOutput } from './batch-output.ts';
import type { ResolvedSimulationInput } from './simulation-input.ts';

/** Batch outputs resolved (fetched from S3 when spilled) at once. */
const RESOLVE_CONCURRENCY = 8;

/** What {@link aggregateMapRun} needs. */
export interface MapRunResultsOptions {
  /** The aggregate task's `ResultWriterDetails`: the manifest's bucket and key. */
  readonly manifest: { readonly Bucket: string; readonly Key: string };
  readonly settings: ResolvedSimulationInput;
  readonly store: Pick<BatchOutputStore, 'getText'> & ResultWriterStore;
  readonly signal?: AbortSignal;
  /** Called after each batch is added, with the batch (for heartbeats, progress, per-loan output). */
  readonly onBatch?: (batchesAdded: number, batch: BatchResult) => void;
}

/** Sums every successful batch of the Map Run into the portfolio result. */
export async function aggregateMapRun(
  options: MapRunResultsOptions,
): Promise<{ result: PortfolioResult; batches: number }> {
  const { manifest: where, settings, store, signal, onBatch } = options;
  try {
    const manifest = await readResultManifest(store, where, { signal });
    for (const kind of ['FAILED', 'PENDING'] as const) {
      const listed = manifest.ResultFiles[kind] ?? [];
      // A file of 2 bytes or less is an empty array: nothing failed in it.
      if (listed.length > 0 && listed.some((f) => (f.Size ?? 1) > 2)) {
        throw new AggregationError(
          `the Map Run has ${kind} batches (${listed.map((f) => f.Key).join(', ')}): the result would miss their loans`,
        );
      }
    }
    const aggregator = new PortfolioAggregator(settings);
    // Executions stream from the result files; several lanes pull from the one iterator so
    // spilled outputs are fetched concurrently. Pointers are resolved here (both kinds).
    const executions = readMapRunResults(store, where, {
      signal,
      manifest,
      kinds: ['SUCCEEDED'],
      followOffloaded: false,
    });
    const lane = async (): Promise<void> => {
      for (let next = await executions.next(); !next.done; next = await executions.next()) {
        const { output, file } = next.value;
        if (output === undefined)
          throw new AggregationError(`${file.Key}: a succeeded execution has no Output`);
        const batch = await resolveBatchOutput(output, store, signal);
        aggregator.add(batch);
        onBatch?.(aggregator.batchCount, batch);
      }
    };
    try {
      await Promise.all(Array.from({ length: RESOLVE_CONCURRENCY }, lane));
    } finally {
      // On a failure, the other lanes get `done` and the open result file is released.
      await executions.return(undefined);
    }
    return { result: aggregator.finish(), batches: aggregator.batchCount };
  } catch (error) {
    if (error instanceof ResultWriterError) throw new AggregationError(error.message);
    throw error;
  }
}
