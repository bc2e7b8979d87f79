import { type Checker, describe, isPlainObject, join } from './checker.ts';
import type { CsvDelimiter, ItemSource } from './job-spec.ts';
import { MAX_READER_ITEMS } from './limits.ts';
import { bucketNameProblem, keyProblem } from './s3-names.ts';

/** The item source types, as the `items.type` field names them. */
export const ITEM_SOURCE_TYPES = ['s3-objects', 'csv', 'json', 'jsonl', 'manifest'] as const;

const CSV_DELIMITERS: readonly CsvDelimiter[] = [',', '|', ';', ' ', '\t'];

const FIELDS: Record<(typeof ITEM_SOURCE_TYPES)[number], readonly string[]> = {
  's3-objects': ['type', 'bucket', 'prefix', 'maxItems'],
  csv: ['type', 'bucket', 'key', 'headers', 'delimiter', 'maxItems'],
  json: ['type', 'bucket', 'key', 'maxItems'],
  jsonl: ['type', 'bucket', 'key', 'maxItems'],
  manifest: ['type', 'bucket', 'key', 'maxItems'],
};

/** Checks `items` and fills in its defaults. */
export function resolveItemSource(c: Checker, input: unknown): ItemSource | undefined {
  const path = 'items';
  if (!isPlainObject(input)) {
    c.report(path, `must be an object with a type (${ITEM_SOURCE_TYPES.join(', ')}), got ${describe(input)}`);
    return undefined;
  }
  const type = c.oneOf(join(path, 'type'), input.type, ITEM_SOURCE_TYPES);
  if (!type) return undefined;
  const o = c.object(path, input, FIELDS[type], false);
  if (!o) return undefined;
  const before = c.issues.length;
  const bucket =
    o.bucket === undefined
      ? undefined
      : c.string(join(path, 'bucket'), o.bucket, undefined, bucketNameProblem);
  const maxItems =
    o.maxItems === undefined
      ? undefined
      : c.integer(join(path, 'maxItems'), o.maxItems, { min: 1, max: MAX_READER_ITEMS });
  const common = {
    ...(bucket === undefined ? {} : { bucket }),
    ...(maxItems === undefined ? {} : { maxItems }),
  };
  let source: ItemSource | undefined;
  if (type === 's3-objects') {
    const prefix = c.string(join(path, 'prefix'), o.prefix, '', (s) => keyProblem(s, true));
    if (prefix !== undefined) source = { type, prefix, ...common };
  } else {
    const key = c.string(join(path, 'key'), o.key, undefined, (s) => keyProblem(s));
    if (type === 'csv') {
      const headers = resolveHeaders(c, join(path, 'headers'), o.headers);
      const delimiter = c.oneOf(join(path, 'delimiter'), o.delimiter, CSV_DELIMITERS, ',');
      if (key !== undefined && headers !== undefined && delimiter !== undefined) {
        source = { type, key, headers, delimiter, ...common };
      }
    } else if (key !== undefined) {
      source = { type, key, ...common };
    }
  }
  return c.issues.length === before ? source : undefined;
}

function resolveHeaders(
  c: Checker,
  path: string,
  value: unknown,
): 'first-row' | readonly string[] | undefined {
  if (value === undefined || value === 'first-row') return 'first-row';
  if (!Array.isArray(value) || value.length === 0) {
    c.report(path, `must be "first-row" or a non-empty array of column names, got ${describe(value)}`);
    return undefined;
  }
  const before = c.issues.length;
  const seen = new Set<unknown>();
  value.forEach((name, i) => {
    if (typeof name !== 'string' || name.length === 0) c.report(join(path, i), 'must be a non-empty string');
    else if (seen.has(name)) c.report(join(path, i), `repeats the column ${JSON.stringify(name)}`);
    seen.add(name);
  });
  return c.issues.length === before ? Object.freeze([...(value as string[])]) : undefined;
}
