/**
 * Reads a Map Run's results as the ResultWriter left them: `manifest.json`, then each
 * `SUCCEEDED_n.json` (child executions whose `Output` is the batch's `ItemsReport`) and each
 * `FAILED_n.json` / `PENDING_n.json` (batches that never succeeded: every file of theirs failed).
 * Result files are scanned element by element from bytes (see forEachJsonArrayElement), so a
 * large file is never one huge string. Every file reaches the aggregator with its key.
 */
// Reused, not copied: this scanner belongs in a shared package (see the README); until it moves,
// it is imported from the Monte Carlo example's sources.

import type { ItemsReport, S3Helpers } from '@stepfleet/worker/handler';
import { forEachJsonArrayElement } from '../../monte-carlo/src/json-array-scan.ts';
import { WeatherAggregationError } from './errors.ts';
import type { StationMonthlyMax } from './monthly-max.ts';
import type { MonthlyMaxima } from './monthly-maxima.ts';

/** The ResultWriter's manifest, as AWS documents it. */
interface ResultManifest {
  readonly DestinationBucket?: string;
  readonly ResultFiles?: Partial<Record<'SUCCEEDED' | 'FAILED' | 'PENDING', readonly { Key: string }[]>>;
}

/** One child execution in a result file (the fields used here). */
interface ChildExecution {
  readonly Input?: string;
  readonly Output?: string;
  readonly Error?: string;
  readonly Cause?: string;
}

/** What {@link readMapRunResults} needs. */
export interface MapRunResultsOptions {
  /** The aggregate task's `ResultWriterDetails`: the manifest's bucket and key. */
  readonly manifest: { readonly Bucket: string; readonly Key: string };
  readonly store: Pick<S3Helpers, 'getBytes' | 'getJson'>;
  readonly into: MonthlyMaxima;
  readonly signal?: AbortSignal;
  /** Called after each result file, with the batches read so far (for heartbeats). */
  readonly onFile?: (batches: number) => void;
}

/** Where the worker SDK puts an output too large for Step Functions. */
const OFFLOADED_OUTPUT = '$stepfleetOutput';

/** Feeds every file of the Map Run into `into`; returns the number of batches read. */
export async function readMapRunResults(options: MapRunResultsOptions): Promise<number> {
  const { manifest: where, store, into, signal, onFile } = options;
  const manifest = (await store.getJson<ResultManifest>(where, { signal })) ?? {};
  const files = manifest.ResultFiles;
  if (!files || !Array.isArray(files.SUCCEEDED)) {
    throw new WeatherAggregationError(
      `s3://${where.Bucket}/${where.Key} is not a ResultWriter manifest (no ResultFiles.SUCCEEDED)`,
    );
  }
  const bucket = manifest.DestinationBucket ?? where.Bucket;
  let batches = 0;
  for (const kind of ['SUCCEEDED', 'FAILED', 'PENDING'] as const) {
    for (const file of files[kind] ?? []) {
      const children: ChildExecution[] = [];
      const bytes = await store.getBytes({ Bucket: bucket, Key: file.Key }, { signal });
      try {
        forEachJsonArrayElement(bytes, (e) => children.push(e as ChildExecution));
      } catch (error) {
        throw new WeatherAggregationError(
          `${file.Key} is not a JSON array of executions: ${(error as Error).message}`,
        );
      }
      for (const child of children) {
        signal?.throwIfAborted();
        if (kind === 'SUCCEEDED') await addSucceeded(child, file.Key, store, into, signal);
        else addFailedBatch(child, kind, file.Key, into);
        batches++;
      }
      onFile?.(batches);
    }
  }
  return batches;
}

async function addSucceeded(
  child: ChildExecution,
  file: string,
  store: MapRunResultsOptions['store'],
  into: MonthlyMaxima,
  signal: AbortSignal | undefined,
): Promise<void> {
  let output = parse(child.Output, `${file}: a succeeded execution's Output`) as
    | ItemsReport<StationMonthlyMax>
    | { [OFFLOADED_OUTPUT]?: string }
    | null;
  const offloaded = (output as { [OFFLOADED_OUTPUT]?: string } | null)?.[OFFLOADED_OUTPUT];
  if (typeof offloaded === 'string') output = await store.getJson(offloaded, { signal });
  const report = output as ItemsReport<StationMonthlyMax> | null;
  if (!Array.isArray(report?.results) || !Array.isArray(report?.failed)) {
    throw new WeatherAggregationError(`${file}: a batch output is not an items report (results, failed)`);
  }
  for (const result of report.results) if (result !== null) into.addStationFile(result);
  if (report.failed.length === 0) return;
  const keys = itemKeys(child, file);
  for (const f of report.failed) {
    into.addFailure({
      key: keys[f.index] ?? `Items[${f.index}]`,
      error: f.error,
      message: firstLine(f.cause, f.error),
    });
  }
}

function addFailedBatch(
  child: ChildExecution,
  kind: 'FAILED' | 'PENDING',
  file: string,
  into: MonthlyMaxima,
): void {
  const error = child.Error ?? (kind === 'PENDING' ? 'Weather.NotRun' : 'States.TaskFailed');
  const message =
    kind === 'PENDING'
      ? 'its batch never ran'
      : `its batch failed: ${firstLine(child.Cause ?? '', error) || error}`;
  for (const key of itemKeys(child, file)) into.addFailure({ key, error, message });
}

/** The keys of a child execution's items, from its recorded Input. */
function itemKeys(child: ChildExecution, file: string): string[] {
  const input = parse(child.Input, `${file}: an execution's Input`) as { Items?: { Key?: unknown }[] } | null;
  if (!Array.isArray(input?.Items))
    throw new WeatherAggregationError(`${file}: an execution's Input has no Items`);
  return input.Items.map((item, i) => (typeof item?.Key === 'string' ? item.Key : `Items[${i}]`));
}

function parse(text: string | undefined, what: string): unknown {
  if (typeof text !== 'string') throw new WeatherAggregationError(`${what} is missing`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new WeatherAggregationError(`${what} is not JSON: ${(error as Error).message}`);
  }
}

/** The first line of an error's cause (its message), without the `Name: ` prefix of a stack. */
function firstLine(cause: string, name: string): string {
  const line = cause.split('\n', 1)[0] ?? '';
  return line.startsWith(`${name}: `) ? line.slice(name.length + 2) : line;
}
