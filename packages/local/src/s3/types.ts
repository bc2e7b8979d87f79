import type { Readable } from 'node:stream';
import type { RestService } from '../service.ts';

/** The checksum algorithms S3's flexible checksums use (`x-amz-checksum-<algorithm>`). */
export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';

/** A checksum of an object or a part, as S3 reports it (base64 of the big-endian digest). */
export interface ObjectChecksum {
  readonly algorithm: ChecksumAlgorithm;
  /** Base64 digest; for a multipart object's composite checksum it ends in `-<parts>`. */
  readonly value: string;
  /** `FULL_OBJECT` for a checksum of the whole body, `COMPOSITE` for a checksum of part checksums. */
  readonly type: 'FULL_OBJECT' | 'COMPOSITE';
}

/** The HTTP representation headers S3 stores with an object and returns on GetObject/HeadObject. */
export interface ObjectHeaders {
  readonly cacheControl?: string;
  readonly contentDisposition?: string;
  readonly contentEncoding?: string;
  readonly contentLanguage?: string;
  readonly expires?: string;
}

/** One object as listings and the Distributed Map ItemReader see it. */
export interface ObjectSummary {
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /** The ETag as S3 returns it, quotes included: `"<md5 hex>"` or `"<md5 of md5s>-<parts>"`. */
  readonly etag: string;
  readonly lastModified: Date;
  /** `STANDARD` unless the object was written with another storage class. */
  readonly storageClass: string;
}

/** Everything stored about an object except its bytes. */
export interface ObjectInfo extends ObjectSummary {
  /** `binary/octet-stream` when the writer gave none, as S3. */
  readonly contentType: string;
  readonly headers: ObjectHeaders;
  /** User metadata (`x-amz-meta-*`), names lower-cased. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The checksum the writer supplied (and S3 validated), if any. */
  readonly checksum?: ObjectChecksum;
  /** Number of parts for an object made by a multipart upload. */
  readonly partsCount?: number;
}

/** A byte range of an object: `{ start, end? }` (end inclusive, as HTTP) or the last `suffixLength` bytes. */
export type ByteRange = { readonly start: number; readonly end?: number } | { readonly suffixLength: number };

/** Options of {@link S3Store.getObject}. */
export interface GetObjectOptions {
  /** Only these bytes; a range starting past the end fails with `InvalidRange` (416). */
  readonly range?: ByteRange;
}

/** An object being read: metadata plus a stream of its bytes, read from disk as it is consumed. */
export interface GetObjectResult extends ObjectInfo {
  /** The bytes, read from an open file: consume it or `destroy()` it, or the file stays open. */
  readonly body: Readable;
  /** The bytes `body` yields (the range's length for a ranged read). */
  readonly contentLength: number;
  /** The inclusive range served, when the read was ranged. */
  readonly range?: { readonly start: number; readonly end: number };
}

/** Options of {@link S3Store.putObject}. */
export interface PutObjectOptions {
  /** @defaultValue `'binary/octet-stream'` */
  readonly contentType?: string;
  readonly headers?: ObjectHeaders;
  readonly metadata?: Readonly<Record<string, string>>;
  /** @defaultValue `'STANDARD'` */
  readonly storageClass?: string;
  /** Expected base64 MD5 of the body (`Content-MD5`); a mismatch fails with `BadDigest`. */
  readonly contentMd5?: string;
  /**
   * A checksum to validate and store. Give `value` to check a known digest; give only
   * `algorithm` to have the store compute and keep it. A mismatch fails with `BadDigest`.
   */
  readonly checksum?: { readonly algorithm: ChecksumAlgorithm; readonly value?: string };
  /**
   * The body's exact length, when known; a body of another length fails with `IncompleteBody`
   * (S3's answer to a truncated upload) and nothing is written.
   */
  readonly contentLength?: number;
  /** Write only if the current object has this ETag (`If-Match`), else `PreconditionFailed`. */
  readonly ifMatch?: string;
  /** `'*'`: write only if no object exists under the key (`If-None-Match: *`). */
  readonly ifNoneMatch?: string;
  /** Aborts the write (the temp file is removed, nothing is stored). */
  readonly signal?: AbortSignal;
}

/** What a write stored. */
export interface PutObjectResult {
  readonly etag: string;
  readonly size: number;
  readonly lastModified: Date;
  readonly checksum?: ObjectChecksum;
}

/** Options of {@link S3Store.listObjects}, named after ListObjectsV2's parameters. */
export interface ListObjectsOptions {
  readonly prefix?: string;
  /** Keys with this string after the prefix are rolled up into `commonPrefixes`. */
  readonly delimiter?: string;
  /** Start after this key (ignored when `continuationToken` is given, as S3). */
  readonly startAfter?: string;
  /** Keys plus common prefixes per page. @defaultValue 1000 (also the maximum) */
  readonly maxKeys?: number;
  /** `nextContinuationToken` of the previous page. */
  readonly continuationToken?: string;
}

/** One page of a listing, shaped like ListObjectsV2's answer. */
export interface ListObjectsPage {
  readonly contents: ObjectSummary[];
  readonly commonPrefixes: string[];
  /** Keys plus common prefixes in this page. */
  readonly keyCount: number;
  readonly isTruncated: boolean;
  /** Present when `isTruncated`: pass it as `continuationToken` for the next page. */
  readonly nextContinuationToken?: string;
}

/** Options of {@link S3Store.iterateObjects}. */
export interface IterateObjectsOptions {
  readonly prefix?: string;
  readonly startAfter?: string;
}

/** A bucket as ListBuckets reports it. */
export interface BucketInfo {
  readonly name: string;
  readonly region: string;
  readonly creationDate: Date;
}

/** Options of {@link S3Store.copyObject}. */
export interface CopyObjectOptions {
  /** `COPY` keeps the source's metadata and headers; `REPLACE` takes the ones given here. @defaultValue `'COPY'` */
  readonly metadataDirective?: 'COPY' | 'REPLACE';
  readonly contentType?: string;
  readonly headers?: ObjectHeaders;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly storageClass?: string;
  /** Copy only if the source's ETag matches (`x-amz-copy-source-if-match`). */
  readonly sourceIfMatch?: string;
  /** Copy only if the source's ETag differs (`x-amz-copy-source-if-none-match`). */
  readonly sourceIfNoneMatch?: string;
}

/** One part named in CompleteMultipartUpload. */
export interface CompletedPart {
  readonly partNumber: number;
  readonly etag: string;
  /** The part's checksum as the client lists it, checked against the stored one when given. */
  readonly checksum?: string;
}

/** Options of {@link S3Store.createMultipartUpload}. */
export interface CreateMultipartUploadOptions {
  readonly contentType?: string;
  readonly headers?: ObjectHeaders;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly storageClass?: string;
  /** The algorithm of the parts' and the object's checksums (`x-amz-checksum-algorithm`). */
  readonly checksumAlgorithm?: ChecksumAlgorithm;
  /**
   * `COMPOSITE`: the object's checksum is the checksum of the parts' checksums, `-N`.
   * `FULL_OBJECT` (CRC algorithms only): the checksum of the whole object's bytes.
   * @defaultValue `'COMPOSITE'`
   */
  readonly checksumType?: 'COMPOSITE' | 'FULL_OBJECT';
}

/** Options of {@link S3Store.completeMultipartUpload}. */
export interface CompleteMultipartUploadOptions {
  /** The object's checksum as the client computed it; a mismatch fails with `BadDigest`. */
  readonly checksum?: { readonly algorithm: ChecksumAlgorithm; readonly value: string };
}

/** Options of {@link S3Store.uploadPart}. */
export interface UploadPartOptions {
  readonly contentLength?: number;
  readonly contentMd5?: string;
  readonly checksum?: { readonly algorithm: ChecksumAlgorithm; readonly value?: string };
  readonly signal?: AbortSignal;
}

/** Options of {@link S3Store.listParts}. */
export interface ListPartsOptions {
  /** List parts after this part number. */
  readonly partNumberMarker?: number;
  /** @defaultValue 1000 (also the maximum) */
  readonly maxParts?: number;
}

/** One uploaded part, as ListParts reports it. */
export interface UploadedPart {
  readonly partNumber: number;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
  /** The part's checksum (base64) in the upload's algorithm, if it has one. */
  readonly checksum?: string;
}

/** A page of ListParts. */
export interface ListPartsPage {
  readonly parts: UploadedPart[];
  readonly isTruncated: boolean;
  /** Present when `isTruncated`: pass it as `partNumberMarker`. */
  readonly nextPartNumberMarker?: number;
  readonly storageClass: string;
  readonly checksumAlgorithm?: ChecksumAlgorithm;
  readonly checksumType?: 'COMPOSITE' | 'FULL_OBJECT';
}

/** Options of {@link S3Store.listMultipartUploads}. */
export interface ListMultipartUploadsOptions {
  readonly prefix?: string;
  /** Uploads of keys after this one (and, with `uploadIdMarker`, of this key after that upload). */
  readonly keyMarker?: string;
  readonly uploadIdMarker?: string;
  /** @defaultValue 1000 (also the maximum) */
  readonly maxUploads?: number;
}

/** One multipart upload in progress. */
export interface UploadSummary {
  readonly key: string;
  readonly uploadId: string;
  readonly initiated: Date;
  readonly storageClass: string;
  readonly checksumAlgorithm?: ChecksumAlgorithm;
  readonly checksumType?: 'COMPOSITE' | 'FULL_OBJECT';
}

/** A page of ListMultipartUploads. */
export interface ListMultipartUploadsPage {
  readonly uploads: UploadSummary[];
  readonly isTruncated: boolean;
  readonly nextKeyMarker?: string;
  readonly nextUploadIdMarker?: string;
}

/**
 * The S3 store without HTTP: what the other local services (the Step Functions engine's
 * ItemReader, ResultWriter and `aws-sdk:s3` tasks) call directly. Every failure is an
 * `AwsError` carrying S3's error code (`NoSuchBucket`, `NoSuchKey`, `InvalidRange`, ...).
 * Bodies are streamed from and to disk; nothing buffers a whole object.
 */
export interface S3Store {
  /** Fails with `InvalidBucketName` or `BucketAlreadyOwnedByYou`. @param region @defaultValue `'us-east-1'` */
  createBucket(bucket: string, region?: string): Promise<BucketInfo>;
  /** Fails with `NoSuchBucket`. */
  headBucket(bucket: string): Promise<BucketInfo>;
  /** All buckets, sorted by name. */
  listBuckets(): Promise<BucketInfo[]>;
  /** Fails with `NoSuchBucket` or `BucketNotEmpty`. In-progress multipart uploads are aborted. */
  deleteBucket(bucket: string): Promise<void>;
  /** Writes atomically: a reader sees the old object or the new one, never a part. */
  putObject(
    bucket: string,
    key: string,
    body: Buffer | string | Readable,
    options?: PutObjectOptions,
  ): Promise<PutObjectResult>;
  /** Fails with `NoSuchBucket`, `NoSuchKey`, `InvalidRange`. */
  getObject(bucket: string, key: string, options?: GetObjectOptions): Promise<GetObjectResult>;
  /** Fails with `NoSuchBucket`, `NoSuchKey`. */
  headObject(bucket: string, key: string): Promise<ObjectInfo>;
  /** Succeeds also when the key does not exist (as S3); fails with `NoSuchBucket`. */
  deleteObject(bucket: string, key: string): Promise<void>;
  /** Copies an object (any size, on disk); fails with `NoSuchKey`, `PreconditionFailed`, `InvalidRequest`. */
  copyObject(
    sourceBucket: string,
    sourceKey: string,
    bucket: string,
    key: string,
    options?: CopyObjectOptions,
  ): Promise<PutObjectResult>;
  /** One page of keys in S3's order (UTF-8 byte order), as ListObjectsV2. */
  listObjects(bucket: string, options?: ListObjectsOptions): Promise<ListObjectsPage>;
  /** Every object under `prefix`, in key order, paged from the index as it is consumed. */
  iterateObjects(bucket: string, options?: IterateObjectsOptions): AsyncIterable<ObjectSummary>;
  /** Starts a multipart upload and returns its id. */
  createMultipartUpload(bucket: string, key: string, options?: CreateMultipartUploadOptions): Promise<string>;
  /** Stores one part (1–10,000); a part uploaded again replaces the earlier one. */
  uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: Buffer | string | Readable,
    options?: UploadPartOptions,
  ): Promise<PutObjectResult>;
  /**
   * Joins the listed parts into the object. Fails with `InvalidPart`, `InvalidPartOrder`,
   * `EntityTooSmall` (a part other than the last under 5 MiB), `NoSuchUpload`.
   */
  completeMultipartUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
    options?: CompleteMultipartUploadOptions,
  ): Promise<PutObjectResult>;
  /** Fails with `NoSuchUpload`. */
  abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void>;
  /** The parts uploaded so far, by part number; fails with `NoSuchUpload`. */
  listParts(
    bucket: string,
    key: string,
    uploadId: string,
    options?: ListPartsOptions,
  ): Promise<ListPartsPage>;
  /** The bucket's uploads in progress, by key then initiation time. */
  listMultipartUploads(
    bucket: string,
    options?: ListMultipartUploadsOptions,
  ): Promise<ListMultipartUploadsPage>;
  /** Closes the index. Idempotent. */
  close(): Promise<void>;
}

/** The S3 service of the local backend: the REST protocol plus the programmatic store. */
export interface S3Service {
  /** Plugs into the backend's router as its REST service. */
  readonly rest: RestService;
  readonly store: S3Store;
  /** Closes the store. Idempotent. */
  close(): Promise<void>;
}
