/**
 * Writes a synthetic portfolio to S3, streaming: loans are generated as they are written, with
 * a bounded number of PUTs in flight, so millions of loans take constant memory. Two layouts:
 * one object per loan (`<prefix>loans/000123.json`, the workshop's layout, read with an
 * `s3-objects` item source) or JSON Lines files of many loans each (`<prefix>loans-00000.jsonl`,
 * read with a `jsonl` item source, or listed and fetched whole by the batch handler).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { generateLoan } from './portfolio.ts';
import type { JobSeed } from './rng.ts';

/** Options of {@link writePortfolio}. */
export interface PortfolioWriterOptions {
  /** The real S3 client (pointed at the local backend or at AWS). */
  readonly client: S3Client;
  readonly bucket: string;
  /**
   * Key prefix (include a trailing `/` for a folder).
   * @defaultValue `''`
   */
  readonly prefix?: string;
  /** Number of loans (1 to 100,000,000). */
  readonly count: number;
  /** The portfolio's seed: the same seed writes the same loans. */
  readonly seed: JobSeed;
  /**
   * `objects`: one JSON object per loan. `jsonl`: JSON Lines files of `linesPerFile` loans.
   * @defaultValue 'objects'
   */
  readonly layout?: 'objects' | 'jsonl';
  /**
   * Loans per JSONL file.
   * @defaultValue 10000
   */
  readonly linesPerFile?: number;
  /**
   * PUT requests in flight at once.
   * @defaultValue 16
   */
  readonly concurrency?: number;
  /**
   * The policy rate the generator uses to set incomes (see generateLoan).
   * @defaultValue 0.0425
   */
  readonly policyRate?: number;
  /** Called after each object is written, with the loans written so far. */
  readonly onProgress?: (loansWritten: number) => void;
  readonly signal?: AbortSignal;
}

/** What {@link writePortfolio} wrote. */
export interface PortfolioWriteSummary {
  readonly loans: number;
  readonly objects: number;
  readonly bytes: number;
  /** The keys of the JSONL files, or the first and last key of the per-loan objects. */
  readonly keys: readonly string[];
}

const MAX_LOANS = 100_000_000;

/** The key of loan `index` in the per-object layout: zero-padded to at least 6 digits. */
export function loanObjectKey(prefix: string, index: number, count: number): string {
  const width = Math.max(6, String(Math.max(0, count - 1)).length);
  return `${prefix}loans/${String(index).padStart(width, '0')}.json`;
}

/** The key of JSONL file `part`. */
export function loanFileKey(prefix: string, part: number): string {
  return `${prefix}loans-${String(part).padStart(5, '0')}.jsonl`;
}

/** Writes the portfolio; resolves when every object is stored. Rejects on the first failed PUT. */
export async function writePortfolio(options: PortfolioWriterOptions): Promise<PortfolioWriteSummary> {
  const { client, bucket, count, seed, signal, onProgress } = options;
  const prefix = options.prefix ?? '';
  const layout = options.layout ?? 'objects';
  const linesPerFile = options.linesPerFile ?? 10_000;
  const concurrency = options.concurrency ?? 16;
  if (!Number.isInteger(count) || count < 1 || count > MAX_LOANS) {
    throw new RangeError(`count must be an integer in [1, ${MAX_LOANS}], got ${count}`);
  }
  if (!Number.isInteger(linesPerFile) || linesPerFile < 1)
    throw new RangeError(`linesPerFile must be an integer >= 1`);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new RangeError(`concurrency must be an integer in [1, 256], got ${concurrency}`);
  }

  const objects = layout === 'objects' ? count : Math.ceil(count / linesPerFile);
  /** Object k: its key, body and number of loans, generated only when it is about to be sent. */
  const build = (k: number): { key: string; body: string; loans: number } => {
    if (layout === 'objects') {
      return {
        key: loanObjectKey(prefix, k, count),
        body: JSON.stringify(generateLoan(seed, k, options.policyRate)),
        loans: 1,
      };
    }
    const from = k * linesPerFile;
    const to = Math.min(count, from + linesPerFile);
    const lines: string[] = [];
    for (let i = from; i < to; i++) lines.push(JSON.stringify(generateLoan(seed, i, options.policyRate)));
    return { key: loanFileKey(prefix, k), body: `${lines.join('\n')}\n`, loans: to - from };
  };

  let next = 0;
  let loansWritten = 0;
  let bytes = 0;
  const keys: string[] = [];
  let failed = false;
  const lane = async (): Promise<void> => {
    while (next < objects && !failed) {
      signal?.throwIfAborted();
      const { key, body, loans } = build(next++);
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
        { abortSignal: signal },
      );
      loansWritten += loans;
      bytes += Buffer.byteLength(body);
      if (layout === 'jsonl') keys.push(key);
      onProgress?.(loansWritten);
    }
  };
  // The first failure stops every lane from starting another PUT.
  const guarded = (): Promise<void> =>
    lane().catch((error: unknown) => {
      failed = true;
      throw error;
    });
  await Promise.all(Array.from({ length: Math.min(concurrency, objects) }, guarded));
  const listed =
    layout === 'jsonl'
      ? keys.sort()
      : [loanObjectKey(prefix, 0, count), loanObjectKey(prefix, count - 1, count)];
  return { loans: loansWritten, objects, bytes, keys: listed };
}
