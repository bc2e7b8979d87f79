import { AwsError, validationError } from './aws-error.ts';

/**
 * Readers for the fields of a JSON-protocol request body. Each one names the field in its
 * error, so a client learns exactly what it got wrong; unknown fields are refused, never
 * silently ignored.
 */
export type JsonInput = Readonly<Record<string, unknown>>;

/** Refuses any field not in `known` with a ValidationException naming it. */
export function assertKnownFields(input: JsonInput, known: readonly string[], operation: string): void {
  for (const field of Object.keys(input)) {
    if (!known.includes(field)) {
      throw validationError(`${operation}: field '${field}' is not supported by stepfleet local`);
    }
  }
}

/** Limits for {@link readString}. */
export interface StringRule {
  /** @defaultValue false */
  readonly required?: boolean;
  /** Minimum length in characters. @defaultValue 0 (1 when required) */
  readonly minLength?: number;
  /** Maximum length in characters. @defaultValue no limit */
  readonly maxLength?: number;
}

/** Reads an optional or required string field, checking its type and length. */
export function readString(input: JsonInput, field: string, rule: StringRule & { required: true }): string;
export function readString(input: JsonInput, field: string, rule?: StringRule): string | undefined;
export function readString(input: JsonInput, field: string, rule: StringRule = {}): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) {
    if (rule.required) throw validationError(`Missing required field '${field}'`);
    return undefined;
  }
  if (typeof value !== 'string') throw validationError(`Field '${field}' must be a string`);
  const min = rule.minLength ?? (rule.required ? 1 : 0);
  if (value.length < min) {
    throw validationError(`Field '${field}' must be at least ${min} characters long`);
  }
  if (rule.maxLength !== undefined && value.length > rule.maxLength) {
    throw validationError(
      `Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${rule.maxLength}`,
    );
  }
  return value;
}

/** Reads an optional integer field within [min, max]. */
export function readInteger(input: JsonInput, field: string, min: number, max: number): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw validationError(`Field '${field}' must be an integer`);
  }
  if (value < min || value > max) {
    throw validationError(`Field '${field}' must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** Reads an optional JSON object field (not an array). */
export function readObject(input: JsonInput, field: string): JsonInput | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw validationError(`Field '${field}' must be an object`);
  }
  return value as JsonInput;
}

/** Reads an optional array field. */
export function readArray(input: JsonInput, field: string): readonly unknown[] | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw validationError(`Field '${field}' must be a list`);
  return value;
}

/** An opaque pagination token: the position after which the next page starts. */
export function encodeNextToken(after: number): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

/** Reads a token made by {@link encodeNextToken}; anything else is `InvalidToken`, as AWS answers. */
export function decodeNextToken(token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'number' && Number.isSafeInteger(parsed.after)) return parsed.after;
  } catch {
    // fall through to the error below
  }
  throw new AwsError('InvalidToken', 'Invalid nextToken');
}
