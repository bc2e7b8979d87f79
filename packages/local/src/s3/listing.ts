import { type Catalog, keyBytes } from './catalog.ts';
import { s3Errors } from './errors.ts';
import type { ListObjectsOptions, ListObjectsPage, ObjectSummary } from './types.ts';

/** S3's default and largest page size. */
export const MAX_KEYS = 1000;

// 0xFF never occurs in UTF-8, so `p + 0xFF` sorts after every key that starts with `p` and
// before every key that does not and is greater than `p`.
const PAST = Buffer.from([0xff]);

/**
 * One page of a bucket's keys in S3's order, as ListObjectsV2 answers it. Each step is an
 * index range scan; a common prefix is skipped in one seek, so a delimiter listing of a bucket
 * with a million keys under a few prefixes reads a few rows, not a million.
 */
export function listPage(catalog: Catalog, bucket: string, options: ListObjectsOptions): ListObjectsPage {
  const maxKeys = options.maxKeys ?? MAX_KEYS;
  if (!Number.isInteger(maxKeys) || maxKeys < 0) {
    throw s3Errors.invalidArgument(
      'Provided max-keys not an integer or within integer range',
      'max-keys',
      String(maxKeys),
    );
  }
  const limit = Math.min(maxKeys, MAX_KEYS);
  const prefix = options.prefix ?? '';
  const delimiter = options.delimiter ?? '';
  const prefixBytes = keyBytes(prefix);
  const below = prefix ? Buffer.concat([prefixBytes, PAST]) : undefined;

  if (limit === 0) return { contents: [], commonPrefixes: [], keyCount: 0, isTruncated: false };

  let cursor =
    options.continuationToken !== undefined
      ? decodeToken(options.continuationToken)
      : keyBytes(options.startAfter ?? '');
  // Keys before the prefix are never listed: start at the prefix itself, which may be a key.
  let inclusive = false;
  if (Buffer.compare(cursor, prefixBytes) < 0) {
    cursor = prefixBytes;
    inclusive = true;
  }

  const contents: ObjectSummary[] = [];
  const commonPrefixes: string[] = [];
  let count = 0;
  let truncated = false;
  scanning: while (true) {
    const rows = catalog.scan(bucket, cursor, inclusive, below);
    inclusive = false;
    for (const object of rows) {
      if (count === limit) {
        truncated = true;
        break scanning;
      }
      const rollUp = delimiter ? object.key.indexOf(delimiter, prefix.length) : -1;
      if (rollUp >= 0) {
        const common = object.key.slice(0, rollUp + delimiter.length);
        commonPrefixes.push(common);
        count++;
        cursor = Buffer.concat([keyBytes(common), PAST]);
        continue scanning;
      }
      contents.push(object);
      count++;
      cursor = keyBytes(object.key);
    }
    break;
  }
  return {
    contents,
    commonPrefixes,
    keyCount: count,
    isTruncated: truncated,
    ...(truncated ? { nextContinuationToken: cursor.toString('base64url') } : {}),
  };
}

function decodeToken(token: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/.test(token)) {
    throw s3Errors.invalidArgument(
      'The continuation token provided is incorrect',
      'continuation-token',
      token,
    );
  }
  return Buffer.from(token, 'base64url');
}
