/**
 * The Distributed Map's ResultWriter: exports the Map Run's child executions to S3 in the
 * layout and JSON shape AWS documents: `<Prefix>/<mapRunId>/manifest.json` and
 * `SUCCEEDED_n.json`, `FAILED_n.json`, `PENDING_n.json`, each an array of execution results.
 */
import { Readable } from 'node:stream';
import { StatesError } from './errors.ts';
import type { Execution } from './execution.ts';
import type { EngineS3 } from './runtime.ts';

/** Where results go, with the Map Run's identity. */
export interface ResultDestination {
  readonly bucket: string;
  readonly prefix: string;
  readonly mapRunArn: string;
  readonly mapRunId: string;
}

/** A batch that never got a child execution (the Map Run failed or was stopped first). */
export interface PendingEntry {
  readonly input: string;
}

/** Largest result file before the writer starts the next one (AWS: 5 GB per file). */
const MAX_FILE_BYTES = 5 * 1024 ** 3;

const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

/** The JSON entry AWS writes for one child execution. */
function entry(e: Execution): Record<string, unknown> {
  const base: Record<string, unknown> = {
    ExecutionArn: e.arn,
    Input: e.input,
    InputDetails: { Included: true },
    Name: e.name,
  };
  const tail = {
    RedriveCount: 0,
    RedriveStatus: 'NOT_REDRIVABLE',
    StartDate: iso(e.startDate),
    StateMachineArn: e.stateMachineArn,
    Status: e.status,
    StopDate: iso(e.stopDate),
  };
  if (e.status === 'SUCCEEDED')
    return { ...base, Output: e.output, OutputDetails: { Included: true }, ...tail };
  return {
    ...base,
    ...(e.error !== undefined ? { Error: e.error } : {}),
    ...(e.cause !== undefined ? { Cause: e.cause } : {}),
    ...tail,
  };
}

/** Writes the result files and the manifest; returns the manifest's key and how many entries were written. */
export async function writeResults(
  s3: EngineS3 | undefined,
  dest: ResultDestination,
  children: readonly Execution[],
  pending: readonly PendingEntry[],
): Promise<{ manifestKey: string; written: Execution[] }> {
  if (!s3) throw new StatesError('States.ResultWriterFailed', 'The local S3 is not available to the engine');
  const base = dest.prefix === '' ? dest.mapRunId : `${dest.prefix.replace(/\/+$/, '')}/${dest.mapRunId}`;
  const succeeded = children.filter((c) => c.status === 'SUCCEEDED');
  const failed = children.filter((c) => c.status !== 'SUCCEEDED' && c.status !== 'RUNNING');
  try {
    const files = {
      FAILED: await writeFiles(s3, dest.bucket, `${base}/FAILED`, failed.map(entry)),
      PENDING: await writeFiles(
        s3,
        dest.bucket,
        `${base}/PENDING`,
        pending.map((p) => ({ Input: p.input, InputDetails: { Included: true }, Status: 'PENDING' })),
      ),
      SUCCEEDED: await writeFiles(s3, dest.bucket, `${base}/SUCCEEDED`, succeeded.map(entry)),
    };
    const manifestKey = `${base}/manifest.json`;
    const manifest = { DestinationBucket: dest.bucket, MapRunArn: dest.mapRunArn, ResultFiles: files };
    await s3.putObject(dest.bucket, manifestKey, JSON.stringify(manifest), {
      contentType: 'application/json',
    });
    return { manifestKey, written: [...succeeded, ...failed] };
  } catch (error) {
    if (error instanceof StatesError) throw error;
    const code = (error as { code?: string }).code;
    throw new StatesError(
      'States.ResultWriterFailed',
      `${code ? `${code}: ` : ''}${(error as Error).message} (writing results to s3://${dest.bucket}/${base}/)`,
    );
  }
}

/** Writes entries as JSON arrays, streaming, starting a new file past MAX_FILE_BYTES. */
async function writeFiles(
  s3: EngineS3,
  bucket: string,
  stem: string,
  entries: readonly Record<string, unknown>[],
): Promise<{ Key: string; Size: number }[]> {
  const files: { Key: string; Size: number }[] = [];
  let index = 0;
  let next = 0;
  while (next < entries.length) {
    const key = `${stem}_${index++}.json`;
    let bytes = 0;
    const from = next;
    const body = Readable.from(
      (function* () {
        yield '[';
        bytes = 1;
        for (; next < entries.length && (next === from || bytes < MAX_FILE_BYTES); next++) {
          const text = `${next > from ? ',' : ''}${JSON.stringify(entries[next])}`;
          bytes += Buffer.byteLength(text);
          yield text;
        }
        yield ']';
      })(),
    );
    const put = await s3.putObject(bucket, key, body, { contentType: 'application/json' });
    files.push({ Key: key, Size: put.size });
  }
  return files;
}
