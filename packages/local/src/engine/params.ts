/**
 * Reading API request parameters with AWS-style errors (`ValidationException` naming the
 * parameter), and the pagination tokens List* operations hand out.
 */
import { AwsError, validationError } from '../aws-error.ts';

/** A required string parameter. */
export function requiredString(input: Record<string, unknown>, name: string): string {
  const v = input[name];
  if (typeof v !== 'string' || v.length === 0) {
    throw validationError(
      `1 validation error detected: Value at '${name}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return v;
}

/** An optional string parameter. */
export function optionalString(input: Record<string, unknown>, name: string): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw validationError(`Value at '${name}' must be a string`);
  return v;
}

/** An optional integer parameter within bounds. */
export function optionalInteger(
  input: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) {
    throw validationError(
      `1 validation error detected: Value '${String(v)}' at '${name}' failed to satisfy constraint: Member must have value between ${min} and ${max}`,
    );
  }
  return v as number;
}

/** `maxResults` (0/absent = default) and what the `nextToken` carries after its one-letter tag. */
function pagingOf(
  input: Record<string, unknown>,
  tag: 'o' | 'k',
  defaultMax: number,
  maxMax: number,
): { max: number; token?: string } {
  const max = optionalInteger(input, 'maxResults', 0, maxMax) || defaultMax;
  const token = optionalString(input, 'nextToken');
  if (token === undefined) return { max };
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (text[0] !== tag || text.length < 2)
    throw new AwsError('InvalidToken', 'Invalid Token: the nextToken is not one this service issued');
  return { max, token: text.slice(1) };
}

const tokenOf = (tag: 'o' | 'k', value: string): string =>
  Buffer.from(`${tag}${value}`).toString('base64url');

/** Slices a list for a List* call: `maxResults` (0/absent = default) and an opaque `nextToken`. */
export function paginate<T>(
  items: readonly T[],
  input: Record<string, unknown>,
  defaultMax = 100,
  maxMax = 1000,
): { page: T[]; nextToken?: string } {
  const { max, token } = pagingOf(input, 'o', defaultMax, maxMax);
  if (token !== undefined && !/^\d+$/.test(token))
    throw new AwsError('InvalidToken', 'Invalid Token: the nextToken is not one this service issued');
  const start = token === undefined ? 0 : Number(token);
  const page = items.slice(start, start + max);
  return start + max < items.length ? { page, nextToken: tokenOf('o', String(start + max)) } : { page };
}

/**
 * Slices a list sorted by a unique key for a List* call whose items may be deleted between two
 * pages: the `nextToken` names the last key handed out, so the next page starts right after it
 * and a deletion never shifts an item out of sight (as an offset would).
 */
export function paginateByKey<T>(
  sorted: readonly T[],
  input: Record<string, unknown>,
  keyOf: (item: T) => string,
  defaultMax = 100,
  maxMax = 1000,
): { page: T[]; nextToken?: string } {
  const { max, token } = pagingOf(input, 'k', defaultMax, maxMax);
  let start = token === undefined ? 0 : sorted.findIndex((item) => keyOf(item) > token);
  if (start < 0) start = sorted.length;
  const page = sorted.slice(start, start + max);
  return start + max < sorted.length ? { page, nextToken: tokenOf('k', keyOf(page.at(-1)!)) } : { page };
}

/** An epoch-milliseconds time in the wire format of AWS JSON protocols (epoch seconds). */
export const wireTime = (ms: number): number => ms / 1000;
