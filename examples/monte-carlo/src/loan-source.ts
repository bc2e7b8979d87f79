/**
 * Turns a batch's items into loans. An item is either a loan itself (a `jsonl`/`json` item
 * source hands each record over as is) or names an S3 object (an `s3-objects` item source
 * hands `{ Key, Size, ... }`; a string `s3://bucket/key` or bare key works too): a `.jsonl`
 * object holds many loans, one per line; any other object holds one loan or an array of them.
 */
import { InvalidLoanError, type Loan, parseLoan } from './loan.ts';

/** The S3 reads this module needs (the worker SDK's `S3Helpers` has them). */
export interface LoanReader {
  getText(
    ref: string | { readonly Bucket?: string; readonly Key: string },
    options?: { signal?: AbortSignal },
  ): Promise<string>;
}

/** Objects fetched at once per batch. */
export const FETCH_CONCURRENCY = 16;

function objectRef(
  item: unknown,
  defaultBucket: string | null,
): { ref: string | { Bucket?: string; Key: string }; key: string } | null {
  if (typeof item === 'string') {
    if (item.startsWith('s3://') || defaultBucket === null) return { ref: item, key: item };
    return { ref: { Bucket: defaultBucket, Key: item }, key: item };
  }
  if (typeof item === 'object' && item !== null && 'Key' in item && !('id' in item)) {
    const { Key, Bucket } = item as { Key: unknown; Bucket?: unknown };
    if (typeof Key !== 'string' || Key === '') return null;
    const bucket = typeof Bucket === 'string' ? Bucket : defaultBucket;
    return { ref: bucket === null ? { Key } : { Bucket: bucket, Key }, key: Key };
  }
  return null;
}

/** Parses the text of one object into loans, naming the object and line in any error. */
export function parseLoanObject(text: string, key: string): Loan[] {
  if (key.endsWith('.jsonl') || key.endsWith('.ndjson')) {
    const loans: Loan[] = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '') continue;
      loans.push(parseLoan(parseJson(line, `${key} line ${i + 1}`), `${key} line ${i + 1}`));
    }
    return loans;
  }
  const value = parseJson(text, key);
  return Array.isArray(value) ? value.map((v, i) => parseLoan(v, `${key}[${i}]`)) : [parseLoan(value, key)];
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidLoanError(`${where}: not valid JSON (${(error as Error).message})`);
  }
}

/**
 * The loans of a batch, in item order. Objects are fetched with at most
 * {@link FETCH_CONCURRENCY} reads in flight; an item naming a key without a bucket is read from
 * `defaultBucket` (else from the reader's own default).
 */
export async function loadLoans(
  items: readonly unknown[],
  reader: LoanReader,
  options: { readonly defaultBucket?: string | null; readonly signal?: AbortSignal } = {},
): Promise<Loan[]> {
  const { signal } = options;
  const defaultBucket = options.defaultBucket ?? null;
  if (!Array.isArray(items)) throw new InvalidLoanError('Items must be an array');
  const parts: Loan[][] = new Array(items.length);
  const fetches: number[] = [];
  items.forEach((item, i) => {
    const ref = objectRef(item, defaultBucket);
    if (ref) fetches.push(i);
    else parts[i] = [parseLoan(item, `Items[${i}]`)];
  });
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < fetches.length) {
      const i = fetches[next++]!;
      const { ref, key } = objectRef(items[i], defaultBucket)!;
      signal?.throwIfAborted();
      parts[i] = parseLoanObject(await reader.getText(ref, { signal }), key);
    }
  };
  await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, fetches.length) }, lane));
  const loans = parts.flat();
  const ids = new Set<string>();
  for (const loan of loans) {
    if (ids.has(loan.id))
      throw new InvalidLoanError(`loan id ${JSON.stringify(loan.id)} appears twice in the batch`);
    ids.add(loan.id);
  }
  return loans;
}
