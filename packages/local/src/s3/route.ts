import type { IncomingMessage } from 'node:http';
import { s3Errors } from './errors.ts';

/** The S3 operations the local backend answers. */
export type S3Operation =
  | 'ListBuckets'
  | 'CreateBucket'
  | 'HeadBucket'
  | 'DeleteBucket'
  | 'GetBucketLocation'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'DeleteObjects'
  | 'PutObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'ListMultipartUploads';

/** A request resolved to an operation and its target. */
export interface S3Route {
  /** The operation, or the AWS name of one the backend does not implement. */
  readonly operation: string;
  /** Set when the operation is one the backend answers. */
  readonly supported: boolean;
  /** Why the request is refused before it reaches its handler (unsupported call or parameter). */
  readonly refusal?: Error;
  readonly bucket: string;
  readonly key: string;
  readonly query: URLSearchParams;
}

/** Query parameters each operation understands (besides `x-id` and presigning's `X-Amz-*`). */
const PARAMETERS: Record<S3Operation, readonly string[]> = {
  ListBuckets: ['max-buckets', 'continuation-token', 'prefix', 'bucket-region'],
  CreateBucket: [],
  HeadBucket: [],
  DeleteBucket: [],
  GetBucketLocation: ['location'],
  ListObjects: ['prefix', 'delimiter', 'max-keys', 'marker', 'encoding-type'],
  ListObjectsV2: [
    'list-type',
    'prefix',
    'delimiter',
    'max-keys',
    'continuation-token',
    'start-after',
    'encoding-type',
    'fetch-owner',
  ],
  DeleteObjects: ['delete'],
  PutObject: [],
  CopyObject: [],
  GetObject: responseOverrides(),
  HeadObject: responseOverrides(),
  DeleteObject: [],
  CreateMultipartUpload: ['uploads'],
  UploadPart: ['partNumber', 'uploadId'],
  CompleteMultipartUpload: ['uploadId'],
  AbortMultipartUpload: ['uploadId'],
  ListParts: ['uploadId', 'part-number-marker', 'max-parts'],
  ListMultipartUploads: ['uploads', 'prefix', 'key-marker', 'upload-id-marker', 'max-uploads'],
};

function responseOverrides(): string[] {
  return [
    'content-type',
    'content-language',
    'expires',
    'cache-control',
    'content-disposition',
    'content-encoding',
  ].map((h) => `response-${h}`);
}

/** Query parameters that name another S3 API (a "sub-resource"); a request with one is that API's call. */
const SUB_RESOURCES = new Set([
  'accelerate',
  'acl',
  'analytics',
  'attributes',
  'cors',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'location',
  'logging',
  'metadataTable',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'renameObject',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'session',
  'tagging',
  'torrent',
  'uploads',
  'versioning',
  'versions',
  'website',
]);

const VIRTUAL_HOST = /^([a-z0-9][a-z0-9.-]*)\.localhost(?::\d+)?$/;

const METHOD_VERB: Record<string, string> = {
  GET: 'Get',
  PUT: 'Put',
  DELETE: 'Delete',
  POST: 'Post',
  HEAD: 'Head',
};

/**
 * Resolves a request to its operation: path-style (`/bucket/key?query`), or virtual-hosted
 * style when the Host is `<bucket>.localhost`. Never throws.
 */
export function resolveRoute(req: IncomingMessage): S3Route {
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  const query = new URLSearchParams(mark < 0 ? '' : url.slice(mark + 1));
  const method = req.method ?? 'GET';
  // Virtual-hosted style (`bucket.localhost:PORT/key`) for clients without forcePathStyle.
  const hostBucket = VIRTUAL_HOST.exec(req.headers.host ?? '')?.[1];
  const slash = hostBucket === undefined ? path.indexOf('/', 1) : 0;
  let bucket: string;
  let key: string;
  try {
    bucket = hostBucket ?? decodeURIComponent(slash < 0 ? path.slice(1) : path.slice(1, slash));
    key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
  } catch {
    return refused('Unknown', '', '', query, s3Errors.invalidUri());
  }
  const level = bucket === '' ? 'service' : key === '' ? 'bucket' : 'object';
  const subResource = [...query.keys()].find((name) => SUB_RESOURCES.has(name));
  const operation = operationFor(method, level, query, req);
  if (!operation) {
    const unsupported = unsupportedOperation(method, level, query, req);
    if (unsupported) return refused(unsupported, bucket, key, query, s3Errors.notImplemented(unsupported));
    if (subResource) {
      const name = `${METHOD_VERB[method] ?? method}${level === 'object' ? 'Object' : 'Bucket'}${capitalize(subResource)}`;
      return refused(
        name,
        bucket,
        key,
        query,
        s3Errors.notImplemented(`${name} (${method} ?${subResource})`),
      );
    }
    return refused(
      'Unknown',
      bucket,
      key,
      query,
      s3Errors.methodNotAllowed(
        method,
        level === 'object' ? 'OBJECT' : level === 'bucket' ? 'BUCKET' : 'SERVICE',
      ),
    );
  }
  const allowed = PARAMETERS[operation];
  for (const name of query.keys()) {
    if (name === 'x-id' || name.toLowerCase().startsWith('x-amz-') || allowed.includes(name)) continue;
    const what = SUB_RESOURCES.has(name)
      ? `the '${name}' sub-resource on ${operation}`
      : `the query parameter '${name}' on ${operation}`;
    return refused(operation, bucket, key, query, s3Errors.notImplemented(what));
  }
  return { operation, supported: true, bucket, key, query };
}

function operationFor(
  method: string,
  level: 'service' | 'bucket' | 'object',
  query: URLSearchParams,
  req: IncomingMessage,
): S3Operation | undefined {
  if (level === 'service') return method === 'GET' ? 'ListBuckets' : undefined;
  if (level === 'bucket') {
    const plain = ![...query.keys()].some((name) => SUB_RESOURCES.has(name));
    switch (method) {
      case 'PUT':
        return plain ? 'CreateBucket' : undefined;
      case 'HEAD':
        return plain ? 'HeadBucket' : undefined;
      case 'DELETE':
        return plain ? 'DeleteBucket' : undefined;
      case 'POST':
        return query.has('delete') ? 'DeleteObjects' : undefined;
      case 'GET':
        if (query.has('location')) return 'GetBucketLocation';
        if (query.has('uploads')) return 'ListMultipartUploads';
        if (!plain) return undefined;
        return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    }
    return undefined;
  }
  const plain = ![...query.keys()].some((name) => SUB_RESOURCES.has(name));
  switch (method) {
    case 'PUT':
      if (!plain) return undefined;
      if (query.has('uploadId') || query.has('partNumber')) {
        return req.headers['x-amz-copy-source'] === undefined ? 'UploadPart' : undefined;
      }
      return req.headers['x-amz-copy-source'] === undefined ? 'PutObject' : 'CopyObject';
    case 'GET':
      if (!plain) return undefined;
      return query.has('uploadId') ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return plain ? 'HeadObject' : undefined;
    case 'DELETE':
      if (!plain) return undefined;
      return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      return plain && query.has('uploadId') ? 'CompleteMultipartUpload' : undefined;
  }
  return undefined;
}

/** Names of S3 APIs the backend recognizes but does not implement. */
function unsupportedOperation(
  method: string,
  level: 'service' | 'bucket' | 'object',
  query: URLSearchParams,
  req: IncomingMessage,
): string | undefined {
  if (level === 'bucket' && method === 'GET' && query.has('versions')) return 'ListObjectVersions';
  if (level !== 'object') return undefined;
  if (method === 'PUT' && query.has('uploadId') && req.headers['x-amz-copy-source'] !== undefined) {
    return 'UploadPartCopy';
  }
  if (method === 'GET' && query.has('attributes')) return 'GetObjectAttributes';
  if (method === 'POST' && query.has('restore')) return 'RestoreObject';
  if (method === 'POST' && query.has('select')) return 'SelectObjectContent';
  return undefined;
}

function refused(
  operation: string,
  bucket: string,
  key: string,
  query: URLSearchParams,
  refusal: Error,
): S3Route {
  return { operation, supported: false, refusal, bucket, key, query };
}

function capitalize(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
