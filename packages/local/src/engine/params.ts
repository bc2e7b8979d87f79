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

/** Slices a list for a List* call: `maxResults` (0/absent = default) and an opaque `nextToken`. */
export function paginate<T>(
  items: readonly T[],
  input: Record<string, unknown>,
  defaultMax = 100,
  maxMax = 1000,
): { page: T[]; nextToken?: string } {
  const max = optionalInteger(input, 'maxResults', 0, maxMax) || defaultMax;
  const token = optionalString(input, 'nextToken');
  let start = 0;
  if (token !== undefined) {
    const decoded = /^o(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!decoded)
      throw new AwsError('InvalidToken', 'Invalid Token: the nextToken is not one this service issued');
    start = Number(decoded[1]);
  }
  const page = items.slice(start, start + max);
  const next = start + max < items.length ? Buffer.from(`o${start + max}`).toString('base64url') : undefined;
  return next ? { page, nextToken: next } : { page };
}

/** An epoch-milliseconds time in the wire format of AWS JSON protocols (epoch seconds). */
export const wireTime = (ms: number): number => ms / 1000;
