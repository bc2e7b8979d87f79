import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Clock } from '../clock.ts';
import { BlobStore, type WrittenBlob } from './blob-store.ts';
import { assertBucketName } from './bucket-name.ts';
import { Catalog, type ObjectRecord } from './catalog.ts';
import { s3Errors } from './errors.ts';
import { listPage } from './listing.ts';
import { assertKey, compositeChecksum, etagMatches, gather, resolveRange } from './object-rules.ts';
import type {
  BucketInfo,
  ChecksumAlgorithm,
  CompletedPart,
  CompleteMultipartUploadOptions,
  CopyObjectOptions,
  CreateMultipartUploadOptions,
  GetObjectOptions,
  GetObjectResult,
  IterateObjectsOptions,
  ListMultipartUploadsOptions,
  ListMultipartUploadsPage,
  ListObjectsOptions,
  ListObjectsPage,
  ListPartsOptions,
  ListPartsPage,
  ObjectChecksum,
  ObjectInfo,
  ObjectSummary,
  PutObjectOptions,
  PutObjectResult,
  S3Store,
  UploadPartOptions,
} from './types.ts';
import { listPartsPage, listUploadsPage } from './upload-listing.ts';

/** S3's limits. */
const MAX_PUT_BYTES = 5 * 1024 ** 3;
const MAX_PART_BYTES = 5 * 1024 ** 3;
const MIN_PART_BYTES = 5 * 1024 ** 2;
const MAX_OBJECT_BYTES = 5 * 1024 ** 4;
const MAX_PARTS = 10_000;
const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';
/** Bodies of at most this many bytes are gathered in memory before they are written. */
const SMALL_BODY_BYTES = 256 * 1024;

/**
 * Opens (creating if needed) the S3 store kept under the directory `root`: the index in
 * `index.sqlite`, the bytes under `objects/`. Everything written survives a restart.
 */
export function openS3Store(root: string, clock: Pick<Clock, 'now'>): S3Store {
  mkdirSync(root, { recursive: true });
  // The index first: it takes the directory for this process before temp files are cleared.
  const catalog = new Catalog(join(root, 'index.sqlite'));
  const blobs = new BlobStore(root);
  try {
    blobs.init();
  } catch (error) {
    catalog.close();
    throw error;
  }
  return new DiskS3Store(catalog, blobs, clock);
}

/** The S3 store: metadata in the {@link Catalog}, bytes in the {@link BlobStore}. */
class DiskS3Store implements S3Store {
  readonly #catalog: Catalog;
  readonly #blobs: BlobStore;
  readonly #clock: Pick<Clock, 'now'>;
  #closed = false;

  constructor(catalog: Catalog, blobs: BlobStore, clock: Pick<Clock, 'now'>) {
    this.#catalog = catalog;
    this.#blobs = blobs;
    this.#clock = clock;
  }

  async createBucket(bucket: string, region = 'us-east-1'): Promise<BucketInfo> {
    assertBucketName(bucket);
    if (this.#catalog.bucket(bucket)) throw s3Errors.bucketAlreadyOwnedByYou(bucket);
    const info: BucketInfo = { name: bucket, region, creationDate: new Date(this.#clock.now()) };
    this.#catalog.insertBucket(info);
    return info;
  }

  async headBucket(bucket: string): Promise<BucketInfo> {
    return this.#bucket(bucket);
  }

  async listBuckets(): Promise<BucketInfo[]> {
    return this.#catalog.buckets();
  }

  async deleteBucket(bucket: string): Promise<void> {
    this.#bucket(bucket);
    const files = this.#catalog.transaction(() => {
      if (this.#catalog.hasObjects(bucket)) throw s3Errors.bucketNotEmpty(bucket);
      const parts = this.#catalog.uploadsOf(bucket).flatMap((u) => this.#catalog.deleteUpload(u.uploadId));
      this.#catalog.deleteBucket(bucket);
      return parts;
    });
    await this.#blobs.remove(...files);
  }

  async putObject(
    bucket: string,
    key: string,
    body: Buffer | string | Readable,
    options: PutObjectOptions = {},
  ): Promise<PutObjectResult> {
    this.#bucket(bucket);
    assertKey(key);
    if (options.contentLength !== undefined && options.contentLength > MAX_PUT_BYTES) {
      throw s3Errors.entityTooLarge(options.contentLength, MAX_PUT_BYTES);
    }
    this.#checkWriteConditions(bucket, key, options);
    const written = await this.#write(body, MAX_PUT_BYTES, options);
    return this.#commitObject(bucket, written, () => {
      this.#checkWriteConditions(bucket, key, options);
      return {
        key,
        size: written.size,
        etag: `"${written.md5.toString('hex')}"`,
        lastModified: new Date(this.#clock.now()),
        storageClass: options.storageClass ?? 'STANDARD',
        file: written.file,
        contentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
        headers: options.headers ?? {},
        metadata: options.metadata ?? {},
        ...(written.checksum && options.checksum
          ? {
              checksum: {
                algorithm: options.checksum.algorithm,
                value: written.checksum,
                type: 'FULL_OBJECT',
              },
            }
          : {}),
      };
    });
  }

  async getObject(bucket: string, key: string, options: GetObjectOptions = {}): Promise<GetObjectResult> {
    // A concurrent overwrite may remove the file between the lookup and the open: look again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const record = this.#object(bucket, key);
      const range = options.range && resolveRange(options.range, record.size);
      const handle = await this.#blobs.open(record.file);
      if (!handle) continue;
      const { file: _file, ...info } = record;
      let body: Readable;
      if (record.size === 0) {
        await handle.close();
        body = Readable.from([]);
      } else {
        body = handle.createReadStream({ start: range?.start ?? 0, end: range?.end ?? record.size - 1 });
      }
      return {
        ...info,
        body,
        contentLength: range ? range.end - range.start + 1 : record.size,
        ...(range ? { range } : {}),
      };
    }
    throw s3Errors.noSuchKey(key);
  }

  async headObject(bucket: string, key: string): Promise<ObjectInfo> {
    const { file: _file, ...info } = this.#object(bucket, key);
    return info;
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    this.#bucket(bucket);
    const file = this.#catalog.deleteObject(bucket, key);
    if (file) await this.#blobs.remove(file);
  }

  async copyObject(
    sourceBucket: string,
    sourceKey: string,
    bucket: string,
    key: string,
    options: CopyObjectOptions = {},
  ): Promise<PutObjectResult> {
    this.#bucket(bucket);
    assertKey(key);
    const source = this.#object(sourceBucket, sourceKey);
    if (options.sourceIfMatch !== undefined && !etagMatches(options.sourceIfMatch, source.etag)) {
      throw s3Errors.preconditionFailed('x-amz-copy-source-If-Match');
    }
    if (options.sourceIfNoneMatch !== undefined && etagMatches(options.sourceIfNoneMatch, source.etag)) {
      throw s3Errors.preconditionFailed('x-amz-copy-source-If-None-Match');
    }
    if (source.size > MAX_PUT_BYTES) {
      throw s3Errors.invalidRequest(
        `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_PUT_BYTES}`,
      );
    }
    const replace = options.metadataDirective === 'REPLACE';
    const sameObject = sourceBucket === bucket && sourceKey === key;
    if (sameObject && !replace && options.storageClass === undefined) {
      throw s3Errors.invalidRequest(
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    // A copy is one object: a multipart source's parts-based ETag and composite checksum do
    // not carry over; its bytes are read once to compute the copy's MD5 ETag, as S3 does.
    const fromParts = source.partsCount !== undefined;
    const written: WrittenBlob = fromParts
      ? await this.#blobs.concat([source.file], { maxLength: MAX_PUT_BYTES, expectedLength: source.size })
      : { file: await this.#blobs.copy(source.file), size: source.size, md5: Buffer.alloc(0) };
    const checksum = fromParts && source.checksum?.type !== 'FULL_OBJECT' ? undefined : source.checksum;
    return this.#commitObject(bucket, written, () => ({
      key,
      size: source.size,
      etag: fromParts ? `"${written.md5.toString('hex')}"` : source.etag,
      lastModified: new Date(this.#clock.now()),
      storageClass: options.storageClass ?? source.storageClass,
      file: written.file,
      contentType: replace ? (options.contentType ?? DEFAULT_CONTENT_TYPE) : source.contentType,
      headers: replace ? (options.headers ?? {}) : source.headers,
      metadata: replace ? (options.metadata ?? {}) : source.metadata,
      ...(checksum ? { checksum } : {}),
    }));
  }

  async listObjects(bucket: string, options: ListObjectsOptions = {}): Promise<ListObjectsPage> {
    this.#bucket(bucket);
    return listPage(this.#catalog, bucket, options);
  }

  async *iterateObjects(bucket: string, options: IterateObjectsOptions = {}): AsyncGenerator<ObjectSummary> {
    let continuationToken: string | undefined;
    do {
      const page = await this.listObjects(bucket, {
        ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
        ...(options.startAfter !== undefined ? { startAfter: options.startAfter } : {}),
        ...(continuationToken !== undefined ? { continuationToken } : {}),
      });
      yield* page.contents;
      continuationToken = page.nextContinuationToken;
    } while (continuationToken !== undefined);
  }

  async createMultipartUpload(
    bucket: string,
    key: string,
    options: CreateMultipartUploadOptions = {},
  ): Promise<string> {
    this.#bucket(bucket);
    assertKey(key);
    if (options.checksumType === 'FULL_OBJECT' && !options.checksumAlgorithm?.startsWith('CRC')) {
      throw s3Errors.invalidRequest('The FULL_OBJECT checksum type needs a CRC checksum algorithm.');
    }
    if (options.checksumType === 'COMPOSITE' && options.checksumAlgorithm === 'CRC64NVME') {
      throw s3Errors.invalidRequest('The COMPOSITE checksum type is not supported for CRC64NVME.');
    }
    const uploadId = randomBytes(24).toString('base64url');
    this.#catalog.insertUpload({
      uploadId,
      bucket,
      key,
      initiated: new Date(this.#clock.now()),
      contentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
      headers: options.headers ?? {},
      metadata: options.metadata ?? {},
      storageClass: options.storageClass ?? 'STANDARD',
      ...(options.checksumAlgorithm ? { checksumAlgorithm: options.checksumAlgorithm } : {}),
      ...(options.checksumType ? { checksumType: options.checksumType } : {}),
    });
    return uploadId;
  }

  async uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: Buffer | string | Readable,
    options: UploadPartOptions = {},
  ): Promise<PutObjectResult> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS) {
      throw s3Errors.invalidArgument(
        'Part number must be an integer between 1 and 10000, inclusive',
        'partNumber',
        String(partNumber),
      );
    }
    const upload = this.#upload(bucket, key, uploadId);
    // Parts of an upload with a checksum algorithm are checksummed, whether or not the client
    // sent one; a part with another algorithm is refused, as S3 does.
    const declared = options.checksum?.algorithm;
    if (declared && upload.checksumAlgorithm && declared !== upload.checksumAlgorithm) {
      throw s3Errors.invalidRequest(
        `Checksum Type mismatch occurred, expected checksum Type: ${upload.checksumAlgorithm}, actual checksum Type: ${declared}`,
      );
    }
    const algorithm = (declared ?? upload.checksumAlgorithm) as ChecksumAlgorithm | undefined;
    const written = await this.#write(body, MAX_PART_BYTES, {
      ...options,
      ...(algorithm && !options.checksum ? { checksum: { algorithm } } : {}),
    });
    let replaced: string | undefined;
    try {
      replaced = this.#catalog.transaction(() => {
        this.#upload(bucket, key, uploadId);
        return this.#catalog.putPart(uploadId, {
          partNumber,
          size: written.size,
          etag: `"${written.md5.toString('hex')}"`,
          file: written.file,
          lastModified: new Date(this.#clock.now()),
          ...(written.checksum ? { checksum: written.checksum } : {}),
        });
      });
    } catch (error) {
      await this.#blobs.remove(written.file);
      throw error;
    }
    if (replaced) await this.#blobs.remove(replaced);
    return {
      etag: `"${written.md5.toString('hex')}"`,
      size: written.size,
      lastModified: new Date(this.#clock.now()),
      ...(written.checksum && algorithm
        ? { checksum: { algorithm, value: written.checksum, type: 'FULL_OBJECT' } }
        : {}),
    };
  }

  async completeMultipartUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
    options: CompleteMultipartUploadOptions = {},
  ): Promise<PutObjectResult> {
    const upload = this.#upload(bucket, key, uploadId);
    if (parts.length === 0) throw s3Errors.invalidRequest('You must specify at least one part');
    const stored = new Map(this.#catalog.parts(uploadId).map((p) => [p.partNumber, p]));
    const chosen = parts.map((part, i) => {
      if (i > 0 && part.partNumber <= parts[i - 1]!.partNumber) throw s3Errors.invalidPartOrder();
      const found = stored.get(part.partNumber);
      if (!found || !etagMatches(part.etag, found.etag)) throw s3Errors.invalidPart(part.partNumber);
      if (part.checksum !== undefined && found.checksum !== undefined && part.checksum !== found.checksum) {
        throw s3Errors.invalidPart(part.partNumber);
      }
      return found;
    });
    chosen.forEach((part, i) => {
      if (i < chosen.length - 1 && part.size < MIN_PART_BYTES)
        throw s3Errors.entityTooSmall(part.partNumber, part.size);
    });
    const size = chosen.reduce((sum, p) => sum + p.size, 0);
    if (size > MAX_OBJECT_BYTES) throw s3Errors.entityTooLarge(size, MAX_OBJECT_BYTES);
    const md5s = createHash('md5');
    for (const part of chosen) md5s.update(Buffer.from(part.etag.replaceAll('"', ''), 'hex'));
    const etag = `"${md5s.digest('hex')}-${chosen.length}"`;
    const algorithm = upload.checksumAlgorithm as ChecksumAlgorithm | undefined;
    const fullObject = upload.checksumType === 'FULL_OBJECT' && algorithm !== undefined;
    const written = await this.#blobs.concat(
      chosen.map((p) => p.file),
      {
        maxLength: MAX_OBJECT_BYTES,
        expectedLength: size,
        ...(fullObject ? { checksumAlgorithm: algorithm } : {}),
      },
    );
    const checksum: ObjectChecksum | undefined =
      fullObject && written.checksum
        ? { algorithm, value: written.checksum, type: 'FULL_OBJECT' }
        : compositeChecksum(algorithm, chosen);
    if (options.checksum && options.checksum.value !== checksum?.value) {
      await this.#blobs.remove(written.file);
      throw s3Errors.badDigest(options.checksum.algorithm);
    }
    let partFiles: string[] = [];
    const result = await this.#commitObject(bucket, written, () => {
      this.#upload(bucket, key, uploadId);
      partFiles = this.#catalog.deleteUpload(uploadId);
      return {
        key,
        size,
        etag,
        lastModified: new Date(this.#clock.now()),
        storageClass: upload.storageClass,
        file: written.file,
        contentType: upload.contentType,
        headers: upload.headers,
        metadata: upload.metadata,
        partsCount: chosen.length,
        ...(checksum ? { checksum } : {}),
      };
    });
    await this.#blobs.remove(...partFiles);
    return result;
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    this.#upload(bucket, key, uploadId);
    await this.#blobs.remove(...this.#catalog.deleteUpload(uploadId));
  }

  async listParts(
    bucket: string,
    key: string,
    uploadId: string,
    options: ListPartsOptions = {},
  ): Promise<ListPartsPage> {
    return listPartsPage(this.#catalog, this.#upload(bucket, key, uploadId), options);
  }

  async listMultipartUploads(
    bucket: string,
    options: ListMultipartUploadsOptions = {},
  ): Promise<ListMultipartUploadsPage> {
    this.#bucket(bucket);
    return listUploadsPage(this.#catalog, bucket, options);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#catalog.close();
  }

  #bucket(bucket: string): BucketInfo {
    const info = this.#catalog.bucket(bucket);
    if (!info) throw s3Errors.noSuchBucket(bucket);
    return info;
  }

  #object(bucket: string, key: string): ObjectRecord {
    this.#bucket(bucket);
    const record = this.#catalog.object(bucket, key);
    if (!record) throw s3Errors.noSuchKey(key);
    return record;
  }

  #upload(bucket: string, key: string, uploadId: string) {
    this.#bucket(bucket);
    const upload = this.#catalog.upload(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key) throw s3Errors.noSuchUpload(uploadId);
    return upload;
  }

  #checkWriteConditions(bucket: string, key: string, options: PutObjectOptions): void {
    if (options.ifMatch === undefined && options.ifNoneMatch === undefined) return;
    const current = this.#catalog.object(bucket, key);
    if (options.ifNoneMatch !== undefined && current && etagMatches(options.ifNoneMatch, current.etag)) {
      throw s3Errors.preconditionFailed('If-None-Match');
    }
    if (options.ifMatch !== undefined) {
      if (!current) throw s3Errors.noSuchKey(key);
      if (!etagMatches(options.ifMatch, current.etag)) throw s3Errors.preconditionFailed('If-Match');
    }
  }

  /** Streams a body to disk and checks it against the digests the writer gave. */
  async #write(
    body: Buffer | string | Readable,
    maxLength: number,
    options: Pick<PutObjectOptions, 'checksum' | 'contentLength' | 'contentMd5' | 'signal'>,
  ): Promise<WrittenBlob> {
    const writeOptions = {
      maxLength,
      ...(options.checksum ? { checksumAlgorithm: options.checksum.algorithm } : {}),
      ...(options.contentLength !== undefined ? { expectedLength: options.contentLength } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    // Small bodies are gathered and written in one call: far fewer syscalls and event-loop
    // turns than a stream pipeline, and small objects are what come by the thousand.
    const small =
      typeof body === 'string' || Buffer.isBuffer(body)
        ? Buffer.from(body)
        : options.contentLength !== undefined && options.contentLength <= SMALL_BODY_BYTES
          ? await gather(body, options.contentLength)
          : undefined;
    const written = small
      ? await this.#blobs.writeBuffer(small, writeOptions)
      : await this.#blobs.write(body as Readable, writeOptions);
    try {
      if (options.contentMd5 !== undefined && options.contentMd5 !== written.md5.toString('base64')) {
        throw s3Errors.badDigest('Content-MD5');
      }
      // Read after the body: a streamed upload's checksum arrives in its trailer.
      const expected = options.checksum?.value;
      if (expected !== undefined && expected !== written.checksum) {
        throw s3Errors.badDigest(options.checksum!.algorithm);
      }
    } catch (error) {
      await this.#blobs.remove(written.file);
      throw error;
    }
    return written;
  }

  /** Records a written object in one transaction (the moment it becomes visible), then drops the file it replaced. */
  async #commitObject(
    bucket: string,
    written: WrittenBlob,
    makeRecord: () => ObjectRecord,
  ): Promise<PutObjectResult> {
    let record: ObjectRecord;
    let replaced: string | undefined;
    try {
      [record, replaced] = this.#catalog.transaction(() => {
        this.#bucket(bucket);
        const made = makeRecord();
        return [made, this.#catalog.putObject(bucket, made)] as const;
      });
    } catch (error) {
      await this.#blobs.remove(written.file);
      throw error;
    }
    if (replaced && replaced !== written.file) await this.#blobs.remove(replaced);
    return {
      etag: record.etag,
      size: record.size,
      lastModified: record.lastModified,
      ...(record.checksum ? { checksum: record.checksum } : {}),
    };
  }
}
