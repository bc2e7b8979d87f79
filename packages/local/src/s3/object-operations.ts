import { pipeline } from 'node:stream/promises';
import { AwsError } from '../aws-error.ts';
import { s3Errors } from './errors.ts';
import {
  checksumElement,
  checksumHeaders,
  objectResponseHeaders,
  objectWriteHeaders,
  refuseUnsupportedHeaders,
} from './object-headers.ts';
import { etagMatches } from './object-rules.ts';
import { readSmallBody, requestPayload } from './request-body.ts';
import { requestIdHeaders, type S3Call, type S3Handler, sendEmpty, sendXml, xmlDate } from './response.ts';
import type { ByteRange, ObjectInfo } from './types.ts';
import { parseXmlRequest, textOf, type XmlElement } from './xml.ts';

/** DeleteObjects takes at most this many keys, in a document of at most this size. */
const MAX_DELETE_KEYS = 1000;
const MAX_DELETE_BODY_BYTES = 2 * 1024 * 1024;

/** PutObject, streamed to disk (aws-chunked bodies decoded, checksums checked). */
export const putObject: S3Handler = async (call) => {
  const { req, route } = call;
  refuseUnsupportedHeaders(req, 'PutObject');
  const attributes = objectWriteHeaders(req);
  const { stream, ...declared } = requestPayload(req, true);
  const ifMatch = req.headers['if-match'];
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined && ifNoneMatch !== '*') {
    throw s3Errors.notImplemented(`If-None-Match: ${ifNoneMatch} on PutObject (S3 accepts only *)`);
  }
  const result = await call.store.putObject(route.bucket, route.key, stream, {
    ...attributes,
    ...declared,
    ...(ifMatch !== undefined ? { ifMatch } : {}),
    ...(ifNoneMatch !== undefined ? { ifNoneMatch } : {}),
    signal: call.ctx.clientGone,
  });
  sendEmpty(call, 200, {
    etag: result.etag,
    'x-amz-server-side-encryption': 'AES256',
    ...(result.checksum ? checksumHeaders(result.checksum) : {}),
  });
};

/** GetObject: ranges, conditional headers, response overrides; the body streams from disk. */
export const getObject: S3Handler = async (call) => {
  const { req, res, route } = call;
  refuseCustomerKeys(call, 'GetObject');
  const range = parseRange(req.headers.range);
  const info = await call.store.headObject(route.bucket, route.key);
  if (answeredByConditions(call, info)) return;
  const object = await call.store.getObject(route.bucket, route.key, range ? { range } : {});
  const headers = objectResponseHeaders(
    object,
    route.query,
    !object.range && req.headers['x-amz-checksum-mode'] === 'ENABLED',
  );
  res.writeHead(object.range ? 206 : 200, {
    ...requestIdHeaders(call.ctx),
    ...headers,
    'content-length': object.contentLength,
    ...(object.range
      ? { 'content-range': `bytes ${object.range.start}-${object.range.end}/${object.size}` }
      : {}),
  });
  try {
    await pipeline(object.body, res);
  } catch {
    // The client went away mid-body: nothing to answer; the file stream is closed by pipeline.
  }
};

/** HeadObject: GetObject's headers without the body. */
export const headObject: S3Handler = async (call) => {
  const { req, route } = call;
  refuseCustomerKeys(call, 'HeadObject');
  const info = await call.store.headObject(route.bucket, route.key);
  if (answeredByConditions(call, info)) return;
  const range = parseRange(req.headers.range);
  const headers = objectResponseHeaders(
    info,
    route.query,
    !range && req.headers['x-amz-checksum-mode'] === 'ENABLED',
  );
  if (range) {
    const object = await call.store.getObject(route.bucket, route.key, { range });
    object.body.destroy();
    return sendEmpty(call, 206, {
      ...headers,
      'content-length': object.contentLength,
      'content-range': `bytes ${object.range!.start}-${object.range!.end}/${object.size}`,
    });
  }
  sendEmpty(call, 200, { ...headers, 'content-length': info.size });
};

/** CopyObject (x-amz-copy-source), metadata directive COPY or REPLACE. */
export const copyObject: S3Handler = async (call) => {
  const { req, route } = call;
  refuseUnsupportedHeaders(req, 'CopyObject');
  for (const name of ['x-amz-copy-source-if-modified-since', 'x-amz-copy-source-if-unmodified-since']) {
    if (req.headers[name] !== undefined) throw s3Errors.notImplemented(`the header ${name} on CopyObject`);
  }
  if (req.headers['x-amz-checksum-algorithm'] !== undefined) {
    throw s3Errors.notImplemented('x-amz-checksum-algorithm on CopyObject (the source checksum is copied)');
  }
  req.resume();
  const source = parseCopySource(String(req.headers['x-amz-copy-source']));
  const directive = req.headers['x-amz-metadata-directive'] ?? 'COPY';
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw s3Errors.invalidArgument(
      'Unknown metadata directive.',
      'x-amz-metadata-directive',
      String(directive),
    );
  }
  const attributes = objectWriteHeaders(req);
  const sourceIfMatch = req.headers['x-amz-copy-source-if-match'];
  const sourceIfNoneMatch = req.headers['x-amz-copy-source-if-none-match'];
  const result = await call.store.copyObject(source.bucket, source.key, route.bucket, route.key, {
    metadataDirective: directive,
    ...(directive === 'REPLACE' ? attributes : {}),
    ...(attributes.storageClass !== undefined ? { storageClass: attributes.storageClass } : {}),
    ...(typeof sourceIfMatch === 'string' ? { sourceIfMatch } : {}),
    ...(typeof sourceIfNoneMatch === 'string' ? { sourceIfNoneMatch } : {}),
  });
  sendXml(
    call,
    'CopyObjectResult',
    [
      ['ETag', result.etag],
      ['LastModified', xmlDate(result.lastModified)],
      ...(result.checksum
        ? [checksumElement(result.checksum), ['ChecksumType', result.checksum.type] as const]
        : []),
    ],
    { 'x-amz-server-side-encryption': 'AES256' },
  );
};

/** DeleteObject: 204 whether or not the key existed, as S3. */
export const deleteObject: S3Handler = async (call) => {
  await call.store.deleteObject(call.route.bucket, call.route.key);
  sendEmpty(call, 204);
};

/** DeleteObjects: up to 1,000 keys, `Quiet` reports only failures. */
export const deleteObjects: S3Handler = async (call) => {
  const { route } = call;
  await call.store.headBucket(route.bucket);
  const h = call.req.headers;
  if (h['content-md5'] === undefined && !Object.keys(h).some((name) => name.startsWith('x-amz-checksum-'))) {
    throw s3Errors.invalidRequest(
      'Missing required header for this request: Content-MD5 or x-amz-checksum-*',
    );
  }
  const doc = parseXmlRequest(await readSmallBody(call.req, MAX_DELETE_BODY_BYTES), 'Delete');
  const objects = (doc.Object ?? []) as unknown[];
  if (objects.length === 0 || objects.length > MAX_DELETE_KEYS) throw s3Errors.malformedXml();
  const quiet = textOf(doc, 'Quiet')?.trim() === 'true';
  const results: XmlElement[] = [];
  for (const object of objects) {
    const key = textOf(object, 'Key');
    if (key === undefined) throw s3Errors.malformedXml();
    if (textOf(object, 'VersionId') !== undefined) {
      results.push(deleteError(key, s3Errors.notImplemented('VersionId in DeleteObjects')));
      continue;
    }
    try {
      await call.store.deleteObject(route.bucket, key);
      if (!quiet) results.push(['Deleted', [['Key', key]]]);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      results.push(deleteError(key, error));
    }
  }
  sendXml(call, 'DeleteResult', results);
};

function deleteError(key: string, error: AwsError): XmlElement {
  return [
    'Error',
    [
      ['Key', key],
      ['Code', error.code],
      ['Message', error.message],
    ],
  ];
}

/** Parses `Range: bytes=a-b | a- | -n`; a header S3 would ignore is ignored, as S3 does. */
function parseRange(header: string | undefined): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) {
    if (/^bytes=.*,/.test(header)) throw s3Errors.notImplemented('multiple byte ranges in one request');
    return undefined;
  }
  const [, first, last] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') return { suffixLength: Number(last) };
  return { start: Number(first), ...(last !== '' ? { end: Number(last) } : {}) };
}

/**
 * Applies If-Match / If-Unmodified-Since (412) and If-None-Match / If-Modified-Since (304), with
 * S3's precedence; returns whether the request was answered.
 */
function answeredByConditions(call: S3Call, info: ObjectInfo): boolean {
  const h = call.req.headers;
  const modifiedSeconds = Math.floor(info.lastModified.getTime() / 1000);
  const since = (value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
  };
  const ifMatch = h['if-match'];
  const ifUnmodifiedSince = since(h['if-unmodified-since'] as string | undefined);
  if (
    ifMatch !== undefined
      ? !etagMatches(ifMatch, info.etag)
      : ifUnmodifiedSince !== undefined && modifiedSeconds > ifUnmodifiedSince
  ) {
    throw s3Errors.preconditionFailed(ifMatch !== undefined ? 'If-Match' : 'If-Unmodified-Since');
  }
  const ifNoneMatch = h['if-none-match'];
  const ifModifiedSince = since(h['if-modified-since']);
  const notModified =
    ifNoneMatch !== undefined
      ? etagMatches(ifNoneMatch, info.etag)
      : ifModifiedSince !== undefined && modifiedSeconds <= ifModifiedSince;
  if (notModified) {
    call.res.writeHead(304, {
      ...requestIdHeaders(call.ctx),
      etag: info.etag,
      'last-modified': info.lastModified.toUTCString(),
    });
    call.res.end();
    return true;
  }
  return false;
}

function refuseCustomerKeys(call: S3Call, operation: string): void {
  for (const name of Object.keys(call.req.headers)) {
    if (name.startsWith('x-amz-server-side-encryption-customer-')) {
      throw s3Errors.notImplemented(`SSE-C (${name}) on ${operation}`);
    }
  }
}

/** `x-amz-copy-source: [/]bucket/url-encoded-key[?versionId=...]`. */
function parseCopySource(header: string): { bucket: string; key: string } {
  const [path = '', version] = header.split('?', 2);
  if (version !== undefined) throw s3Errors.notImplemented('versionId in x-amz-copy-source');
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.startsWith('/') ? path.slice(1) : path);
  } catch {
    throw s3Errors.invalidArgument('Invalid copy source encoding', 'x-amz-copy-source', header);
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw s3Errors.invalidArgument(
      'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
      'x-amz-copy-source',
      header,
    );
  }
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}
