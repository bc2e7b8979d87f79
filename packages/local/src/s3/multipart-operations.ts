import { CHECKSUM_ALGORITHMS, parseChecksumAlgorithm } from './checksums.ts';
import { s3Errors } from './errors.ts';
import {
  checksumElement,
  checksumHeaders,
  objectWriteHeaders,
  refuseUnsupportedHeaders,
} from './object-headers.ts';
import { readSmallBody, requestPayload } from './request-body.ts';
import { owner, type S3Handler, sendEmpty, sendXml, xmlDate } from './response.ts';
import type { ChecksumAlgorithm, CompletedPart } from './types.ts';
import { parseXmlRequest, textOf, type XmlElement } from './xml.ts';

/** A CompleteMultipartUpload document lists at most 10,000 parts. */
const MAX_COMPLETE_BODY_BYTES = 4 * 1024 * 1024;

/** CreateMultipartUpload (`POST ?uploads`). */
export const createMultipartUpload: S3Handler = async (call) => {
  const { req, route } = call;
  refuseUnsupportedHeaders(req, 'CreateMultipartUpload');
  req.resume();
  const named = req.headers['x-amz-checksum-algorithm'];
  const checksumAlgorithm = typeof named === 'string' ? parseChecksumAlgorithm(named) : undefined;
  if (typeof named === 'string' && !checksumAlgorithm) {
    throw s3Errors.invalidRequest(`Unsupported x-amz-checksum-algorithm ${named}`);
  }
  const typeHeader = req.headers['x-amz-checksum-type'];
  if (typeHeader !== undefined && typeHeader !== 'COMPOSITE' && typeHeader !== 'FULL_OBJECT') {
    throw s3Errors.invalidRequest(`Unsupported x-amz-checksum-type ${typeHeader}`);
  }
  const checksumType =
    typeHeader ??
    (checksumAlgorithm === 'CRC64NVME' ? 'FULL_OBJECT' : checksumAlgorithm ? 'COMPOSITE' : undefined);
  const uploadId = await call.store.createMultipartUpload(route.bucket, route.key, {
    ...objectWriteHeaders(req),
    ...(checksumAlgorithm ? { checksumAlgorithm } : {}),
    ...(checksumType ? { checksumType } : {}),
  });
  sendXml(
    call,
    'InitiateMultipartUploadResult',
    [
      ['Bucket', route.bucket],
      ['Key', route.key],
      ['UploadId', uploadId],
    ],
    {
      'x-amz-server-side-encryption': 'AES256',
      ...(checksumAlgorithm ? { 'x-amz-checksum-algorithm': checksumAlgorithm } : {}),
      ...(checksumType ? { 'x-amz-checksum-type': checksumType } : {}),
    },
  );
};

/** UploadPart (`PUT ?partNumber&uploadId`), streamed like PutObject. */
export const uploadPart: S3Handler = async (call) => {
  const { req, route } = call;
  const partText = route.query.get('partNumber') ?? '';
  const partNumber = /^\d{1,5}$/.test(partText) ? Number(partText) : Number.NaN;
  const uploadId = route.query.get('uploadId') ?? '';
  const { stream, ...declared } = requestPayload(req, true);
  const result = await call.store.uploadPart(route.bucket, route.key, uploadId, partNumber, stream, {
    ...declared,
    signal: call.ctx.clientGone,
  });
  sendEmpty(call, 200, {
    etag: result.etag,
    'x-amz-server-side-encryption': 'AES256',
    ...(result.checksum ? checksumHeaders(result.checksum) : {}),
  });
};

/** CompleteMultipartUpload (`POST ?uploadId`). */
export const completeMultipartUpload: S3Handler = async (call) => {
  const { req, route } = call;
  const uploadId = route.query.get('uploadId') ?? '';
  const doc = parseXmlRequest(await readSmallBody(req, MAX_COMPLETE_BODY_BYTES), 'CompleteMultipartUpload');
  const parts: CompletedPart[] = ((doc.Part ?? []) as unknown[]).map((part) => {
    const number = textOf(part, 'PartNumber')?.trim() ?? '';
    const etag = textOf(part, 'ETag');
    if (!/^\d{1,5}$/.test(number) || etag === undefined) throw s3Errors.malformedXml();
    const checksum = CHECKSUM_ALGORITHMS.map((a) => textOf(part, `Checksum${a}`)).find(
      (v) => v !== undefined,
    );
    return { partNumber: Number(number), etag: etag.trim(), ...(checksum !== undefined ? { checksum } : {}) };
  });
  const whole = CHECKSUM_ALGORITHMS.map((algorithm) => ({
    algorithm,
    value: req.headers[`x-amz-checksum-${algorithm.toLowerCase()}`],
  })).find((c): c is { algorithm: ChecksumAlgorithm; value: string } => typeof c.value === 'string');
  const result = await call.store.completeMultipartUpload(
    route.bucket,
    route.key,
    uploadId,
    parts,
    whole ? { checksum: whole } : {},
  );
  const host = req.headers.host ?? '127.0.0.1';
  sendXml(
    call,
    'CompleteMultipartUploadResult',
    [
      ['Location', `http://${host}/${route.bucket}/${encodeURIComponent(route.key).replace(/%2F/g, '/')}`],
      ['Bucket', route.bucket],
      ['Key', route.key],
      ['ETag', result.etag],
      ...(result.checksum
        ? [checksumElement(result.checksum), ['ChecksumType', result.checksum.type] as const]
        : []),
    ],
    { 'x-amz-server-side-encryption': 'AES256' },
  );
};

/** AbortMultipartUpload (`DELETE ?uploadId`). */
export const abortMultipartUpload: S3Handler = async (call) => {
  await call.store.abortMultipartUpload(
    call.route.bucket,
    call.route.key,
    call.route.query.get('uploadId') ?? '',
  );
  sendEmpty(call, 204);
};

/** ListParts (`GET /bucket/key?uploadId`). */
export const listParts: S3Handler = async (call) => {
  const { route } = call;
  const q = route.query;
  const uploadId = q.get('uploadId') ?? '';
  const marker = optionalCount(q, 'part-number-marker');
  const max = optionalCount(q, 'max-parts');
  const page = await call.store.listParts(route.bucket, route.key, uploadId, {
    ...(marker !== undefined ? { partNumberMarker: marker } : {}),
    ...(max !== undefined ? { maxParts: max } : {}),
  });
  sendXml(call, 'ListPartsResult', [
    ['Bucket', route.bucket],
    ['Key', route.key],
    ['UploadId', uploadId],
    ['PartNumberMarker', marker ?? 0],
    ['NextPartNumberMarker', page.nextPartNumberMarker],
    ['MaxParts', max ?? 1000],
    ['IsTruncated', page.isTruncated],
    ...page.parts.map(
      (p): XmlElement => [
        'Part',
        [
          ['PartNumber', p.partNumber],
          ['LastModified', xmlDate(p.lastModified)],
          ['ETag', p.etag],
          ['Size', p.size],
          ...(p.checksum && page.checksumAlgorithm
            ? [[`Checksum${page.checksumAlgorithm}`, p.checksum] as const]
            : []),
        ],
      ],
    ),
    ['Initiator', owner(call.ctx)],
    ['Owner', owner(call.ctx)],
    ['StorageClass', page.storageClass],
    ['ChecksumAlgorithm', page.checksumAlgorithm],
    ['ChecksumType', page.checksumType],
  ]);
};

/** ListMultipartUploads (`GET /bucket?uploads`). */
export const listMultipartUploads: S3Handler = async (call) => {
  const { route } = call;
  const q = route.query;
  const prefix = q.get('prefix');
  const keyMarker = q.get('key-marker');
  const uploadIdMarker = q.get('upload-id-marker');
  const max = optionalCount(q, 'max-uploads');
  const page = await call.store.listMultipartUploads(route.bucket, {
    ...(prefix !== null ? { prefix } : {}),
    ...(keyMarker !== null ? { keyMarker } : {}),
    ...(uploadIdMarker !== null ? { uploadIdMarker } : {}),
    ...(max !== undefined ? { maxUploads: max } : {}),
  });
  sendXml(call, 'ListMultipartUploadsResult', [
    ['Bucket', route.bucket],
    ['KeyMarker', keyMarker ?? ''],
    ['UploadIdMarker', uploadIdMarker ?? ''],
    ['NextKeyMarker', page.nextKeyMarker],
    ['NextUploadIdMarker', page.nextUploadIdMarker],
    ['Prefix', prefix ?? undefined],
    ['MaxUploads', max ?? 1000],
    ['IsTruncated', page.isTruncated],
    ...page.uploads.map(
      (u): XmlElement => [
        'Upload',
        [
          ['Key', u.key],
          ['UploadId', u.uploadId],
          ['Initiator', owner(call.ctx)],
          ['Owner', owner(call.ctx)],
          ['StorageClass', u.storageClass],
          ['Initiated', xmlDate(u.initiated)],
          ['ChecksumAlgorithm', u.checksumAlgorithm],
          ['ChecksumType', u.checksumType],
        ],
      ],
    ),
  ]);
};

/** A non-negative integer query parameter, if given. */
function optionalCount(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  if (!/^\d{1,9}$/.test(text))
    throw s3Errors.invalidArgument(`${name} must be a non-negative integer`, name, text);
  return Number(text);
}
