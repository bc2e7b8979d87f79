import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { copyFile, type FileHandle, mkdir, open, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDigest } from './checksums.ts';
import { s3Errors } from './errors.ts';
import type { ChecksumAlgorithm } from './types.ts';

/** What writing a body produced: the stored file and what was measured on the way. */
export interface WrittenBlob {
  /** File name within the store (no directories, no user input in it). */
  readonly file: string;
  readonly size: number;
  /** MD5 of the bytes (S3's ETag of a single-part object). */
  readonly md5: Buffer;
  /** The checksum computed on the way, when an algorithm was asked for. */
  readonly checksum?: string;
}

/** Options of {@link BlobStore.write}. */
export interface WriteBlobOptions {
  /** Also compute this checksum. */
  readonly checksumAlgorithm?: ChecksumAlgorithm;
  /** The body must be exactly this long (`IncompleteBody` otherwise). */
  readonly expectedLength?: number;
  /** Refuse bodies longer than this (`EntityTooLarge`). */
  readonly maxLength: number;
  readonly signal?: AbortSignal;
}

/**
 * Object bytes on disk. Every write streams into a temp file and is renamed into place under a
 * fresh random name, so a file is complete once it has a name, and a file is never rewritten:
 * an overwrite is a new file, and readers of the old one keep reading it until they close it.
 * File names are random, never derived from keys, so keys can hold any characters.
 */
export class BlobStore {
  readonly #objects: string;
  readonly #tmp: string;
  readonly #shards = new Set<string>();

  constructor(root: string) {
    this.#objects = join(root, 'objects');
    this.#tmp = join(root, 'tmp');
  }

  /** Creates the temp directory, clearing temp files a crash left behind. */
  init(): void {
    rmSync(this.#tmp, { recursive: true, force: true });
    mkdirSync(this.#tmp, { recursive: true });
  }

  /** The path for a new file, its shard directory created on first use. */
  async #placeFor(name: string): Promise<string> {
    // 256 shard directories keep each directory small for millions of objects; they are made
    // as needed so that opening a store costs nothing.
    const shard = name.slice(0, 2);
    if (!this.#shards.has(shard)) {
      await mkdir(join(this.#objects, shard), { recursive: true });
      this.#shards.add(shard);
    }
    return this.path(name);
  }

  /** The path of a stored file. */
  path(file: string): string {
    return join(this.#objects, file.slice(0, 2), file);
  }

  /** Streams `source` into a new file, measuring its size, MD5 and optional checksum. */
  async write(source: Readable, options: WriteBlobOptions): Promise<WrittenBlob> {
    return this.#writeFrom(source, options);
  }

  /** Writes a body already in memory (the programmatic API's small objects) without a stream. */
  async writeBuffer(body: Buffer, options: WriteBlobOptions): Promise<WrittenBlob> {
    if (body.length > options.maxLength) throw s3Errors.entityTooLarge(body.length, options.maxLength);
    if (options.expectedLength !== undefined && body.length !== options.expectedLength) {
      throw s3Errors.incompleteBody(options.expectedLength, body.length);
    }
    const name = newName();
    const temp = join(this.#tmp, name);
    try {
      await writeFile(temp, body, options.signal ? { signal: options.signal } : {});
      await rename(temp, await this.#placeFor(name));
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    const checksum = options.checksumAlgorithm ? createDigest(options.checksumAlgorithm) : undefined;
    checksum?.update(body);
    return {
      file: name,
      size: body.length,
      md5: createHash('md5').update(body).digest(),
      ...(checksum ? { checksum: checksum.digestBase64() } : {}),
    };
  }

  /** Concatenates stored files into a new one (completing a multipart upload). */
  async concat(files: readonly string[], options: WriteBlobOptions): Promise<WrittenBlob> {
    const path = (file: string): string => this.path(file);
    async function* concatenated(): AsyncGenerator<Buffer> {
      for (const file of files) yield* createReadStream(path(file));
    }
    return this.#writeFrom(Readable.from(concatenated(), { objectMode: false }), options);
  }

  /** Copies a stored file to a new one (a reflink where the file system has them). */
  async copy(file: string): Promise<string> {
    const name = newName();
    await copyFile(this.path(file), await this.#placeFor(name));
    return name;
  }

  /** Opens a stored file for reading; `undefined` when it is gone (replaced meanwhile). */
  async open(file: string): Promise<FileHandle | undefined> {
    try {
      return await open(this.path(file), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Removes stored files; missing ones are fine. */
  async remove(...files: string[]): Promise<void> {
    await Promise.all(
      files.map((file) =>
        unlink(this.path(file)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        }),
      ),
    );
  }

  async #writeFrom(source: Readable, options: WriteBlobOptions): Promise<WrittenBlob> {
    const name = newName();
    const temp = join(this.#tmp, name);
    const meter = new Meter(options);
    try {
      await pipeline(
        source,
        meter,
        createWriteStream(temp),
        options.signal ? { signal: options.signal } : {},
      );
      if (options.expectedLength !== undefined && meter.size !== options.expectedLength) {
        throw s3Errors.incompleteBody(options.expectedLength, meter.size);
      }
      await rename(temp, await this.#placeFor(name));
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return {
      file: name,
      size: meter.size,
      md5: meter.md5.digest(),
      ...(meter.checksum ? { checksum: meter.checksum.digestBase64() } : {}),
    };
  }
}

function newName(): string {
  return randomUUID().replaceAll('-', '');
}

/** Counts and digests the bytes passing through, refusing more than allowed. */
class Meter extends Transform {
  size = 0;
  readonly md5 = createHash('md5');
  readonly checksum;
  readonly #maxLength: number;
  readonly #expectedLength: number | undefined;

  constructor(options: WriteBlobOptions) {
    super();
    this.checksum = options.checksumAlgorithm ? createDigest(options.checksumAlgorithm) : undefined;
    this.#maxLength = options.maxLength;
    this.#expectedLength = options.expectedLength;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.#maxLength) {
      callback(s3Errors.entityTooLarge(this.size, this.#maxLength));
      return;
    }
    if (this.#expectedLength !== undefined && this.size > this.#expectedLength) {
      callback(s3Errors.incompleteBody(this.#expectedLength, this.size));
      return;
    }
    this.md5.update(chunk);
    this.checksum?.update(chunk);
    callback(null, chunk);
  }
}
