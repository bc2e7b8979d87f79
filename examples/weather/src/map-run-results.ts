/**
 * Reads a Map Run's results as the ResultWriter left them: `manifest.json`, then each
 * `SUCCEEDED_n.json` (child executions whose `Output` is the batch's `ItemsReport`) and each
 * `FAILED_n.json` / `PENDING_n.json` (batches that never succeeded: every file of theirs failed).
 * The worker SDK's `readMapRunResults` streams the result files one execution at a time (a
 * large file is never one huge string) and follows offloaded outputs. Every file reaches the
 * aggregator with its key.
 */
import {
  type ChildExecutionRecord,
  type ItemsReport,
  type ResultKind,
  ResultWriterError,
  type ResultWriterStore,
  readMapRunResults as readResultWriterOutput,
} from '@stepfleet/worker/handler';
import { WeatherAggregationError } from './errors.ts';
import type { StationMonthlyMax } from './monthly-max.ts';
import type { MonthlyMaxima } from './monthly-maxima.ts';

/** What {@link readMapRunResults} needs. */
export interface MapRunResultsOptions {
  /** The aggregate task's `ResultWriterDetails`: the manifest's bucket and key. */
  readonly manifest: { readonly Bucket: string; readonly Key: string };
  readonly store: ResultWriterStore;
  readonly into: MonthlyMaxima;
  readonly signal?: AbortSignal;
  /** Called after each result file, with the batches read so far (for heartbeats). */
  readonly onFile?: (batches: number) => void;
}

/** Feeds every file of the Map Run into `into`; returns the number of batches read. */
export async function readMapRunResults(options: MapRunResultsOptions): Promise<number> {
  const { manifest, store, into, signal, onFile } = options;
  let batches = 0;
  let lastFile: string | undefined;
  try {
    for await (const { kind, file, execution, output } of readResultWriterOutput(store, manifest, {
      signal,
    })) {
      if (lastFile !== undefined && file.Key !== lastFile) onFile?.(batches);
      lastFile = file.Key;
      if (kind === 'SUCCEEDED') addSucceeded(execution, output, file.Key, into);
      else addFailedBatch(execution, kind, file.Key, into);
      batches++;
    }
  } catch (error) {
    if (error instanceof ResultWriterError) throw new WeatherAggregationError(error.message);
    throw error;
  }
  if (lastFile !== undefined) onFile?.(batches);
  return batches;
}

function addSucceeded(child: ChildExecutionRecord, output: unknown, file: string, into: MonthlyMaxima): void {
  if (output === undefined)
    throw new WeatherAggregationError(`${file}: a succeeded execution's Output is missing`);
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
  child: ChildExecutionRecord,
  kind: Exclude<ResultKind, 'SUCCEEDED'>,
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
function itemKeys(child: ChildExecutionRecord, file: string): string[] {
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
