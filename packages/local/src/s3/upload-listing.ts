import type { Catalog, UploadRecord } from './catalog.ts';
import { s3Errors } from './errors.ts';
import type {
  ChecksumAlgorithm,
  ListMultipartUploadsOptions,
  ListMultipartUploadsPage,
  ListPartsOptions,
  ListPartsPage,
} from './types.ts';

/** S3's default and largest page of parts or uploads. */
const MAX_PAGE = 1000;

function pageSize(value: number | undefined, name: string): number {
  const size = value ?? MAX_PAGE;
  if (!Number.isInteger(size) || size < 0) {
    throw s3Errors.invalidArgument(`${name} must be a non-negative integer`, name, String(value));
  }
  return Math.min(size, MAX_PAGE);
}

/** One page of an upload's parts (ListParts). */
export function listPartsPage(
  catalog: Catalog,
  upload: UploadRecord,
  options: ListPartsOptions,
): ListPartsPage {
  const max = pageSize(options.maxParts, 'max-parts');
  const after = options.partNumberMarker ?? 0;
  const remaining = catalog.parts(upload.uploadId).filter((p) => p.partNumber > after);
  const page = remaining.slice(0, max);
  const truncated = remaining.length > page.length;
  return {
    parts: page.map((p) => ({
      partNumber: p.partNumber,
      size: p.size,
      etag: p.etag,
      lastModified: p.lastModified ?? upload.initiated,
      ...(p.checksum ? { checksum: p.checksum } : {}),
    })),
    isTruncated: truncated,
    ...(truncated ? { nextPartNumberMarker: page.at(-1)!.partNumber } : {}),
    storageClass: upload.storageClass,
    ...(upload.checksumAlgorithm ? { checksumAlgorithm: upload.checksumAlgorithm as ChecksumAlgorithm } : {}),
    ...(upload.checksumType ? { checksumType: upload.checksumType } : {}),
  };
}

/** One page of a bucket's uploads in progress (ListMultipartUploads). */
export function listUploadsPage(
  catalog: Catalog,
  bucket: string,
  options: ListMultipartUploadsOptions,
): ListMultipartUploadsPage {
  const max = pageSize(options.maxUploads, 'max-uploads');
  const prefix = options.prefix ?? '';
  const marker = options.keyMarker;
  let all = catalog.uploadsOf(bucket).filter((u) => u.key.startsWith(prefix));
  if (marker !== undefined) {
    const markerBytes = Buffer.from(marker);
    // With an upload-id marker, the marker key's own uploads after that one are still to come.
    const sameKey = all.filter((u) => u.key === marker);
    const resumeAt =
      options.uploadIdMarker === undefined
        ? sameKey.length
        : sameKey.findIndex((u) => u.uploadId === options.uploadIdMarker) + 1;
    all = [
      ...sameKey.slice(resumeAt),
      ...all.filter((u) => Buffer.compare(Buffer.from(u.key), markerBytes) > 0),
    ];
  }
  const page = all.slice(0, max);
  const truncated = all.length > page.length;
  const last = page.at(-1);
  return {
    uploads: page.map((u) => ({
      key: u.key,
      uploadId: u.uploadId,
      initiated: u.initiated,
      storageClass: u.storageClass,
      ...(u.checksumAlgorithm ? { checksumAlgorithm: u.checksumAlgorithm as ChecksumAlgorithm } : {}),
      ...(u.checksumType ? { checksumType: u.checksumType } : {}),
    })),
    isTruncated: truncated,
    ...(truncated && last ? { nextKeyMarker: last.key, nextUploadIdMarker: last.uploadId } : {}),
  };
}
