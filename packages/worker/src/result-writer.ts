/**
 * Reads a Distributed Map's ResultWriter output, as the step after the Map gets it in
 * `ResultWriterDetails` (`{ Bucket, Key }` of `manifest.json`): the manifest, then each
 * `SUCCEEDED_n.json` / `FAILED_n.json` / `PENDING_n.json` streamed from S3 one child execution
 * at a time, so a result file larger than any string V8 can hold is still read, in constant
 * memory. Each execution's `Output` comes parsed, with the worker's own S3 offload pointer
 * (`{ "$stepfleetOutput": "s3://..." }`) followed.
 */
import type { Readable } from 'node:stream';
import type { S3Helpers } from './handler.ts';
import { jsonArrayElements } from './json-array-stream.ts';

/** The three kinds of result file. */
export type ResultKind = 'SUCCEEDED' | 'FAILED' | 'PENDING';

/** The kinds in the order they are read. */
const ALL_KINDS: readonly ResultKind[] = ['SUCCEEDED', 'FAILED', 'PENDING'];

/** The key of an output the worker wrote to S3 because it was too large (see output offload). */
const OFFLOADED_OUTPUT = '$stepfleetOutput';

/** `manifest.json` of a ResultWriter, as AWS documents it. */
export interface ResultWriterManifest {
  readonly DestinationBucket?: string;
  readonly MapRunArn?: string;
  readonly ResultFiles: Partial<
    Record<ResultKind, readonly { readonly Key: string; readonly Size?: number }[]>
  >;
}

/** One child execution (one batch) as a result file records it; fields absent when not applicable. */
export interface ChildExecutionRecord {
  readonly ExecutionArn?: string;
  readonly Name?: string;
  readonly Status?: string;
  /** The batch's input as a JSON string (its `Items`, `BatchInput`...). */
  readonly Input?: string;
  /** The task's output as a JSON string (SUCCEEDED only). */
  readonly Output?: string;
  /** Error name and cause (FAILED only). */
  readonly Error?: string;
  readonly Cause?: string;
  readonly StartDate?: string;
  readonly StopDate?: string;
}

/** One child execution read from a result file. */
export interface MapRunResult {
  readonly kind: ResultKind;
  /** Bucket and key of the result file it came from. */
  readonly file: { readonly Bucket: string; readonly Key: string };
  /** Its position in that file. */
  readonly index: number;
  readonly execution: ChildExecutionRecord;
  /**
   * `Output` parsed (an offloaded output fetched, unless `followOffloaded` is false), or
   * undefined when the execution has no Output (FAILED and PENDING ones).
   */
  readonly output: unknown;
}

/** The S3 reads the reader needs (the handler's `s3` helpers have them). */
export type ResultWriterStore = Pick<S3Helpers, 'getJson' | 'getStream'>;

/** Options of {@link readMapRunResults}. */
export interface ReadMapRunResultsOptions {
  readonly signal?: AbortSignal;
  /** The kinds of file to read, in this order. @defaultValue all three: SUCCEEDED, FAILED, PENDING */
  readonly kinds?: readonly ResultKind[];
  /** The manifest, when already read with {@link readResultManifest} (saves reading it again). */
  readonly manifest?: ResultWriterManifest;
  /** Fetch an output the worker offloaded to S3 and yield it in place of the pointer. @defaultValue true */
  readonly followOffloaded?: boolean;
}

/** A manifest or result file that is not what a ResultWriter writes. */
export class ResultWriterError extends Error {
  override name = 'ResultWriterError';
}

/** Reads and checks `manifest.json`. */
export async function readResultManifest(
  s3: Pick<S3Helpers, 'getJson'>,
  where: { readonly Bucket: string; readonly Key: string },
  options: { signal?: AbortSignal } = {},
): Promise<ResultWriterManifest> {
  const url = `s3://${where.Bucket}/${where.Key}`;
  let manifest: Partial<ResultWriterManifest> | null;
  try {
    manifest = await s3.getJson<Partial<ResultWriterManifest> | null>(where, options);
  } catch (error) {
    if (error instanceof SyntaxError) throw new ResultWriterError(`${url} is not JSON: ${error.message}`);
    throw error;
  }
  const files = manifest?.ResultFiles;
  if (typeof files !== 'object' || files === null || !Array.isArray(files.SUCCEEDED)) {
    throw new ResultWriterError(`${url} is not a ResultWriter manifest (no ResultFiles.SUCCEEDED)`);
  }
  for (const kind of ALL_KINDS) {
    const list = files[kind];
    if (list !== undefined && !(Array.isArray(list) && list.every((f) => typeof f?.Key === 'string'))) {
      throw new ResultWriterError(`${url}: ResultFiles.${kind} is not a list of { Key }`);
    }
  }
  return manifest as ResultWriterManifest;
}

/**
 * Yields every child execution of a Map Run's ResultWriter output, one at a time, file by file
 * (SUCCEEDED, then FAILED, then PENDING unless `kinds` says otherwise). Throws a
 * {@link ResultWriterError} naming the file when a file is not a JSON array of executions or
 * an Output is not JSON. Several consumers may pull from the same iterator at once (calls to
 * `next()` are queued), e.g. to resolve outputs concurrently.
 *
 * @example
 * ```ts
 * for await (const { kind, output } of readMapRunResults(s3, input.ResultWriterDetails)) {
 *   if (kind === 'SUCCEEDED') total += (output as { sum: number }).sum;
 * }
 * ```
 */
export async function* readMapRunResults(
  s3: ResultWriterStore,
  where: { readonly Bucket: string; readonly Key: string },
  options: ReadMapRunResultsOptions = {},
): AsyncGenerator<MapRunResult, void, undefined> {
  const { signal, kinds = ALL_KINDS, followOffloaded = true } = options;
  const manifest = options.manifest ?? (await readResultManifest(s3, where, { signal }));
  const bucket = manifest.DestinationBucket ?? where.Bucket;
  for (const kind of kinds) {
    for (const { Key } of manifest.ResultFiles[kind] ?? []) {
      const file = { Bucket: bucket, Key };
      const stream: Readable = await s3.getStream(file, { signal });
      let index = 0;
      try {
        for await (const element of jsonArrayElements(stream)) {
          signal?.throwIfAborted();
          if (typeof element !== 'object' || element === null || Array.isArray(element)) {
            throw new ResultWriterError(`${Key}: element ${index} is not an execution object`);
          }
          const execution = element as ChildExecutionRecord;
          const output = await parseOutput(execution.Output, s3, followOffloaded, signal, `${Key}[${index}]`);
          yield { kind, file, index, execution, output };
          index++;
        }
      } catch (error) {
        if (error instanceof SyntaxError) {
          throw new ResultWriterError(`${Key} is not a JSON array of executions: ${error.message}`);
        }
        throw error;
      } finally {
        // Stopped early (break, error, abort): free the connection.
        stream.destroy();
      }
    }
  }
}

async function parseOutput(
  text: string | undefined,
  s3: Pick<S3Helpers, 'getJson'>,
  followOffloaded: boolean,
  signal: AbortSignal | undefined,
  where: string,
): Promise<unknown> {
  if (text === undefined || text === null) return undefined;
  if (typeof text !== 'string') throw new ResultWriterError(`${where}: Output is not a JSON string`);
  let output: unknown;
  try {
    output = JSON.parse(text);
  } catch (error) {
    throw new ResultWriterError(`${where}: Output is not JSON: ${(error as Error).message}`);
  }
  const pointer = (output as Record<string, unknown> | null)?.[OFFLOADED_OUTPUT];
  if (!followOffloaded || typeof pointer !== 'string') return output;
  return s3.getJson(pointer, { signal });
}
