import { invalidParameter } from './errors.ts';

/**
 * Readers for the fields of an ECS request body. ECS answers a malformed or out-of-range field
 * with `InvalidParameterException`; each reader names the field, and unknown fields are
 * refused rather than silently ignored.
 */
export type EcsInput = Readonly<Record<string, unknown>>;

/** Refuses any field not in `known`, naming it and the operation. */
export function refuseUnknownFields(input: EcsInput, known: readonly string[], operation: string): void {
  for (const field of Object.keys(input)) {
    if (!known.includes(field)) {
      throw invalidParameter(`${operation}: field '${field}' is not supported by stepfleet local`);
    }
  }
}

/** A required non-empty string. */
export function requiredString(input: EcsInput, field: string): string {
  const value = optionalString(input, field);
  if (value === undefined || value === '')
    throw invalidParameter(`${field} is required and must be non-empty`);
  return value;
}

/** An optional string (absent or null gives undefined). */
export function optionalString(input: EcsInput, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`${field} must be a string`);
  return value;
}

/** An optional integer within [min, max]. */
export function optionalInteger(
  input: EcsInput,
  field: string,
  min: number,
  max: number,
): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw invalidParameter(`${field} must be an integer`);
  if (value < min || value > max) {
    throw invalidParameter(`${field} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** An optional boolean. */
export function optionalBoolean(input: EcsInput, field: string): boolean | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalidParameter(`${field} must be a boolean`);
  return value;
}

/** An optional list of strings, at most `maxItems` long. */
export function optionalStringList(
  input: EcsInput,
  field: string,
  maxItems = Infinity,
): string[] | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw invalidParameter(`${field} must be a list of strings`);
  }
  if (value.length > maxItems) throw invalidParameter(`${field} can have at most ${maxItems} items`);
  return value as string[];
}

/** An optional list of objects. */
export function optionalObjectList(input: EcsInput, field: string): EcsInput[] | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    value.some((item) => typeof item !== 'object' || item === null || Array.isArray(item))
  ) {
    throw invalidParameter(`${field} must be a list of objects`);
  }
  return value as EcsInput[];
}

/** An opaque pagination token holding the offset of the next page. */
export function pageToken(offset: number): string {
  return Buffer.from(`ecs:${offset}`, 'utf8').toString('base64url');
}

/** Reads a {@link pageToken}; anything else is refused as ECS refuses a bad `nextToken`. */
export function pageOffset(token: string | undefined): number {
  if (token === undefined) return 0;
  const match = /^ecs:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw invalidParameter('Invalid nextToken');
  return Number(match[1]);
}

/** One page of `items` from a request's `maxResults` / `nextToken`. */
export function paginate<T>(
  items: readonly T[],
  input: EcsInput,
  defaultMax: number,
): { page: T[]; nextToken?: string } {
  const max = optionalInteger(input, 'maxResults', 1, 100) ?? defaultMax;
  const start = pageOffset(optionalString(input, 'nextToken'));
  const page = items.slice(start, start + max);
  return start + max < items.length ? { page, nextToken: pageToken(start + max) } : { page };
}
