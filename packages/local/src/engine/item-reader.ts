/**
 * The Distributed Map's ItemReader: S3 object listings (`s3:listObjectsV2`) and objects
 * (`s3:getObject`) read as CSV, JSON, JSONL or an S3 Inventory MANIFEST, streamed so memory does
 * not grow with the object's size, and cut at MaxItems. Items travel in chunks (arrays of what
 * one read produced), so a million-row object costs a few thousand async steps, not millions.
 * Failures surface as `States.ItemReaderFailed`, as AWS names them.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import type { ItemReaderDefinition } from './definition.ts';
import { StatesError } from './errors.ts';
import { jsonArrayElements } from './json-array-stream.ts';
import type { EngineS3 } from './runtime.ts';

/** The ItemReader with its parameters evaluated. */
export interface ResolvedItemReader {
  readonly resource: string;
  readonly bucket: string;
  readonly key?: string;
  readonly prefix?: string;
  readonly config: NonNullable<ItemReaderDefinition['ReaderConfig']>;
  /** 0 = no limit. */
  readonly maxItems: number;
}

const DELIMITERS: Record<string, string> = { COMMA: ',', PIPE: '|', SEMICOLON: ';', SPACE: ' ', TAB: '\t' };

const readerFailed = (cause: string): StatesError => new StatesError('States.ItemReaderFailed', cause);

/** Yields the items the reader produces, in order, in chunks. */
export async function* readItems(
  s3: EngineS3 | undefined,
  reader: ResolvedItemReader,
): AsyncGenerator<unknown[]> {
  if (!s3) throw readerFailed('The local S3 is not available to the engine');
  let left = reader.maxItems > 0 ? reader.maxItems : Number.POSITIVE_INFINITY;
  try {
    for await (const chunk of source(s3, reader)) {
      if (chunk.length === 0) continue;
      yield chunk.length > left ? chunk.slice(0, left) : chunk;
      left -= chunk.length;
      if (left <= 0) return;
    }
  } catch (error) {
    if (error instanceof StatesError) throw error;
    const code = (error as { code?: string }).code;
    throw readerFailed(
      `${code ? `${code}: ` : ''}${(error as Error).message} (reading ${reader.resource} s3://${reader.bucket}/${reader.key ?? reader.prefix ?? ''})`,
    );
  }
}

/** Groups a stream of single items into chunks of up to `size`. */
async function* chunked(items: AsyncIterable<unknown>, size = 1000): AsyncGenerator<unknown[]> {
  let chunk: unknown[] = [];
  for await (const item of items) {
    chunk.push(item);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

function source(s3: EngineS3, reader: ResolvedItemReader): AsyncIterable<unknown[]> {
  if (reader.resource.endsWith(':listObjectsV2'))
    return chunked(listObjects(s3, reader.bucket, reader.prefix));
  if (reader.key === undefined) throw readerFailed('s3:getObject needs a Key');
  switch (reader.config.InputType) {
    case 'CSV':
      return csvObject(s3, reader.bucket, reader.key, reader.config);
    case 'JSON':
      return chunked(jsonObject(s3, reader.bucket, reader.key));
    case 'JSONL':
      return chunked(jsonlObject(s3, reader.bucket, reader.key));
    default:
      return manifestObject(s3, reader.bucket, reader.key);
  }
}

async function* listObjects(
  s3: EngineS3,
  bucket: string,
  prefix: string | undefined,
): AsyncGenerator<unknown> {
  for await (const o of s3.iterateObjects(bucket, { prefix })) {
    // The item shape AWS documents for listObjectsV2 readers; LastModified in epoch seconds.
    yield {
      Etag: o.etag,
      Key: o.key,
      LastModified: Math.floor(o.lastModified.getTime() / 1000),
      Size: o.size,
      StorageClass: o.storageClass,
    };
  }
}

async function openBody(s3: EngineS3, bucket: string, key: string): Promise<Readable> {
  const got = await s3.getObject(bucket, key);
  if (!key.endsWith('.gz')) return got.body;
  const gunzip = createGunzip();
  // pipe() does not forward errors: a failing read must reach the consumer, not hang it.
  got.body.on('error', (error) => gunzip.destroy(error));
  gunzip.on('close', () => got.body.destroy());
  return got.body.pipe(gunzip);
}

async function* csvRows(
  body: Readable,
  delimiter: string,
  columns: true | string[],
): AsyncGenerator<unknown[]> {
  const parser = parse({ delimiter, columns, relax_column_count: true, skip_empty_lines: true, bom: true });
  body.on('error', (e) => parser.destroy(e));
  body.pipe(parser);
  try {
    // Each wake-up drains every record the parser holds: one chunk per read, not one step per row.
    for (;;) {
      const chunk: unknown[] = [];
      for (let row = parser.read(); row !== null; row = parser.read()) chunk.push(row);
      if (chunk.length > 0) yield chunk;
      else if (parser.readableEnded || parser.destroyed) break;
      else await readableOrEnd(parser);
    }
    if (parser.errored) throw parser.errored;
  } finally {
    body.destroy();
    parser.destroy();
  }
}

/** Resolves when the stream has data to read, has ended, or has failed (then rejects). */
function readableOrEnd(stream: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      stream.off('readable', ok);
      stream.off('end', ok);
      stream.off('close', ok);
      stream.off('error', done);
      if (error) reject(error);
      else resolve();
    };
    const ok = (): void => done();
    stream.once('readable', ok);
    stream.once('end', ok);
    stream.once('close', ok);
    stream.once('error', done);
  });
}

async function* csvObject(
  s3: EngineS3,
  bucket: string,
  key: string,
  config: ResolvedItemReader['config'],
): AsyncGenerator<unknown[]> {
  const delimiter = DELIMITERS[config.CSVDelimiter ?? 'COMMA']!;
  const columns = config.CSVHeaderLocation === 'GIVEN' ? [...(config.CSVHeaders ?? [])] : (true as const);
  yield* csvRows(await openBody(s3, bucket, key), delimiter, columns);
}

async function* jsonObject(s3: EngineS3, bucket: string, key: string): AsyncGenerator<unknown> {
  const body = await openBody(s3, bucket, key);
  try {
    yield* jsonArrayElements(body);
  } finally {
    body.destroy();
  }
}

async function* jsonlObject(s3: EngineS3, bucket: string, key: string): AsyncGenerator<unknown> {
  const body = await openBody(s3, bucket, key);
  const lines = createInterface({ input: body, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      try {
        yield JSON.parse(line);
      } catch (error) {
        throw readerFailed(
          `Line ${n} of s3://${bucket}/${key} is not valid JSON: ${(error as Error).message}`,
        );
      }
    }
  } finally {
    lines.close();
    body.destroy();
  }
}

/** An S3 Inventory manifest.json (the fields the reader needs). */
interface InventoryManifest {
  readonly destinationBucket?: string;
  readonly fileFormat?: string;
  readonly fileSchema?: string;
  readonly files?: readonly { readonly key: string }[];
}

async function* manifestObject(s3: EngineS3, bucket: string, key: string): AsyncGenerator<unknown[]> {
  const chunks: Buffer[] = [];
  for await (const c of await openBody(s3, bucket, key)) chunks.push(c as Buffer);
  let manifest: InventoryManifest;
  try {
    manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as InventoryManifest;
  } catch {
    throw readerFailed(`s3://${bucket}/${key} is not an S3 Inventory manifest (invalid JSON)`);
  }
  if (manifest.fileFormat !== 'CSV')
    throw readerFailed(
      `Only CSV S3 Inventory manifests are supported, got fileFormat ${String(manifest.fileFormat)}`,
    );
  if (typeof manifest.fileSchema !== 'string' || !Array.isArray(manifest.files))
    throw readerFailed(`s3://${bucket}/${key} lacks fileSchema or files`);
  const columns = manifest.fileSchema.split(',').map((c) => c.trim());
  const dataBucket = manifest.destinationBucket?.replace(/^arn:aws[a-z-]*:s3:::/, '') ?? bucket;
  for (const file of manifest.files) yield* csvRows(await openBody(s3, dataBucket, file.key), ',', columns);
}
