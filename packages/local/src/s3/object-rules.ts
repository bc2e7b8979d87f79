import type { Readable } from 'node:stream';
import { createDigest } from './checksums.ts';
import { s3Errors } from './errors.ts';
import type { ByteRange, ChecksumAlgorithm, ObjectChecksum } from './types.ts';

/** S3's limit on a key's length in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Reads a stream of known, small length whole; more bytes than declared is `IncompleteBody`. */
export async function gather(stream: Readable, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > length) throw s3Errors.incompleteBody(length, size);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Throws S3's error for a key it would refuse. */
export function assertKey(key: string): void {
  if (key.length === 0) throw s3Errors.invalidArgument('Object key must not be empty', 'key', key);
  if (LONE_SURROGATE.test(key)) throw s3Errors.invalidArgument('Object key is not valid UTF-8', 'key', key);
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) throw s3Errors.keyTooLong(bytes);
}

/** Whether an `If-Match`-style header value (a list of ETags or `*`) matches `etag`. */
export function etagMatches(condition: string, etag: string): boolean {
  const bare = etag.replaceAll('"', '');
  return condition.split(',').some((candidate) => {
    const c = candidate.trim().replace(/^W\//, '').replaceAll('"', '');
    return c === '*' || c === bare;
  });
}

/** Resolves a byte range against an object's size, S3's way. */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } {
  if ('suffixLength' in range) {
    if (!(range.suffixLength > 0) || size === 0)
      throw s3Errors.invalidRange(size, `bytes=-${range.suffixLength}`);
    return { start: Math.max(0, size - range.suffixLength), end: size - 1 };
  }
  const text = `bytes=${range.start}-${range.end ?? ''}`;
  if (!(range.start >= 0) || range.start >= size) throw s3Errors.invalidRange(size, text);
  if (range.end !== undefined && range.end < range.start) throw s3Errors.invalidRange(size, text);
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

/** S3's composite checksum of a multipart upload: the checksum of the parts' checksums, `-N`. */
export function compositeChecksum(
  algorithm: ChecksumAlgorithm | undefined,
  parts: readonly { checksum?: string; partNumber: number }[],
): ObjectChecksum | undefined {
  if (!algorithm || parts.some((p) => p.checksum === undefined)) return undefined;
  const digest = createDigest(algorithm);
  for (const part of parts) digest.update(Buffer.from(part.checksum!, 'base64'));
  return { algorithm, value: `${digest.digestBase64()}-${parts.length}`, type: 'COMPOSITE' };
}
