import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { s3Errors } from './errors.ts';
import { storedContentEncoding } from './request-body.ts';
import type { ObjectChecksum, ObjectHeaders, ObjectInfo } from './types.ts';

/** Storage classes whose objects can be read at once; the archive classes need RestoreObject. */
const READABLE_STORAGE_CLASSES = new Set([
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER_IR',
  'EXPRESS_ONEZONE',
]);
const ARCHIVE_STORAGE_CLASSES = new Set(['GLACIER', 'DEEP_ARCHIVE', 'OUTPOSTS', 'SNOW']);
/** S3's limit on the user metadata of one object. */
const MAX_METADATA_BYTES = 2048;
/** Canned ACLs that change nothing for a single-account local backend. */
const NEUTRAL_ACLS = new Set(['private', 'bucket-owner-full-control']);

/** What a write request says about the object besides its bytes. */
export interface ObjectWriteHeaders {
  readonly contentType?: string;
  readonly headers: ObjectHeaders;
  readonly metadata: Record<string, string>;
  readonly storageClass?: string;
}

/**
 * Refuses headers asking for features the local backend does not have (SSE-KMS, SSE-C,
 * object lock, tagging, ACL grants, appends), naming them, instead of ignoring them.
 */
export function refuseUnsupportedHeaders(req: IncomingMessage, operation: string): void {
  const h = req.headers;
  const sse = h['x-amz-server-side-encryption'];
  if (sse !== undefined && sse !== 'AES256') {
    throw s3Errors.notImplemented(`x-amz-server-side-encryption: ${sse} on ${operation} (only AES256)`);
  }
  const acl = h['x-amz-acl'];
  if (typeof acl === 'string' && !NEUTRAL_ACLS.has(acl)) {
    throw s3Errors.notImplemented(`the canned ACL x-amz-acl: ${acl} on ${operation}`);
  }
  for (const name of Object.keys(h)) {
    if (
      name.startsWith('x-amz-server-side-encryption-') ||
      name.startsWith('x-amz-copy-source-server-side-encryption-') ||
      name.startsWith('x-amz-object-lock-') ||
      name.startsWith('x-amz-grant-') ||
      name === 'x-amz-tagging' ||
      name === 'x-amz-tagging-directive' ||
      name === 'x-amz-website-redirect-location' ||
      name === 'x-amz-write-offset-bytes' ||
      name === 'x-amz-request-payer'
    ) {
      throw s3Errors.notImplemented(`the header ${name} on ${operation}`);
    }
  }
}

/** The object attributes a PutObject / CopyObject (REPLACE) / CreateMultipartUpload request sets. */
export function objectWriteHeaders(req: IncomingMessage): ObjectWriteHeaders {
  const h = req.headers;
  const metadata: Record<string, string> = {};
  let metadataBytes = 0;
  for (const [name, value] of Object.entries(h)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    const text = Array.isArray(value) ? value.join(',') : value;
    const short = name.slice('x-amz-meta-'.length);
    metadata[short] = text;
    metadataBytes += Buffer.byteLength(short) + Buffer.byteLength(text);
  }
  if (metadataBytes > MAX_METADATA_BYTES) {
    throw s3Errors.metadataTooLarge(metadataBytes, MAX_METADATA_BYTES);
  }
  const storageClass = h['x-amz-storage-class'];
  if (typeof storageClass === 'string') {
    if (ARCHIVE_STORAGE_CLASSES.has(storageClass)) {
      throw s3Errors.notImplemented(
        `the storage class ${storageClass} (archived objects need RestoreObject)`,
      );
    }
    if (!READABLE_STORAGE_CLASSES.has(storageClass)) {
      throw s3Errors.invalidStorageClass(storageClass);
    }
  }
  const contentEncoding = storedContentEncoding(req);
  const headers: ObjectHeaders = {
    ...(h['cache-control'] !== undefined ? { cacheControl: h['cache-control'] } : {}),
    ...(h['content-disposition'] !== undefined ? { contentDisposition: h['content-disposition'] } : {}),
    ...(contentEncoding !== undefined ? { contentEncoding } : {}),
    ...(h['content-language'] !== undefined ? { contentLanguage: h['content-language'] } : {}),
    ...(typeof h.expires === 'string' ? { expires: h.expires } : {}),
  };
  return {
    ...(h['content-type'] !== undefined ? { contentType: h['content-type'] } : {}),
    headers,
    metadata,
    ...(typeof storageClass === 'string' ? { storageClass } : {}),
  };
}

/** The response headers describing a stored object (GetObject, HeadObject). */
export function objectResponseHeaders(
  info: ObjectInfo,
  query: URLSearchParams,
  withChecksum: boolean,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    'last-modified': info.lastModified.toUTCString(),
    etag: info.etag,
    'accept-ranges': 'bytes',
    'content-type': query.get('response-content-type') ?? info.contentType,
    'x-amz-server-side-encryption': 'AES256',
  };
  const overridable: [keyof ObjectHeaders, string][] = [
    ['cacheControl', 'cache-control'],
    ['contentDisposition', 'content-disposition'],
    ['contentEncoding', 'content-encoding'],
    ['contentLanguage', 'content-language'],
    ['expires', 'expires'],
  ];
  for (const [field, name] of overridable) {
    const value = query.get(`response-${name}`) ?? info.headers[field];
    if (value !== undefined) headers[name] = value;
  }
  for (const [name, value] of Object.entries(info.metadata)) headers[`x-amz-meta-${name}`] = value;
  if (info.storageClass !== 'STANDARD') headers['x-amz-storage-class'] = info.storageClass;
  if (info.partsCount !== undefined) headers['x-amz-mp-parts-count'] = String(info.partsCount);
  if (withChecksum && info.checksum) Object.assign(headers, checksumHeaders(info.checksum));
  return headers;
}

/** `x-amz-checksum-<algorithm>` and `x-amz-checksum-type` for a stored checksum. */
export function checksumHeaders(checksum: ObjectChecksum): OutgoingHttpHeaders {
  return {
    [`x-amz-checksum-${checksum.algorithm.toLowerCase()}`]: checksum.value,
    'x-amz-checksum-type': checksum.type,
  };
}

/** The XML element name S3 uses for a checksum (`ChecksumCRC32`, `ChecksumSHA256`...). */
export function checksumElement(checksum: ObjectChecksum): [string, string] {
  return [`Checksum${checksum.algorithm}`, checksum.value];
}
