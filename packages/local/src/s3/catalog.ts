import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { BucketInfo, ObjectChecksum, ObjectHeaders, ObjectInfo, ObjectSummary } from './types.ts';

/** An object's row: its metadata plus the data file holding its bytes. */
export interface ObjectRecord extends ObjectInfo {
  /** File name under the blob store. */
  readonly file: string;
}

/** A multipart upload in progress. */
export interface UploadRecord {
  readonly uploadId: string;
  readonly bucket: string;
  readonly key: string;
  readonly initiated: Date;
  readonly contentType: string;
  readonly headers: ObjectHeaders;
  readonly metadata: Readonly<Record<string, string>>;
  readonly storageClass: string;
  readonly checksumAlgorithm?: string;
  /** How the object's checksum is made from the parts': `COMPOSITE` (default) or `FULL_OBJECT`. */
  readonly checksumType?: 'COMPOSITE' | 'FULL_OBJECT';
}

/** One uploaded part. */
export interface PartRecord {
  readonly partNumber: number;
  readonly size: number;
  readonly etag: string;
  readonly file: string;
  readonly checksum?: string;
  readonly lastModified?: Date;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS buckets (
  name TEXT PRIMARY KEY, region TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
  bucket TEXT NOT NULL, key BLOB NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
  last_modified_ms INTEGER NOT NULL, storage_class TEXT NOT NULL, file TEXT NOT NULL,
  content_type TEXT NOT NULL, headers TEXT NOT NULL, metadata TEXT NOT NULL,
  checksum TEXT, parts_count INTEGER,
  PRIMARY KEY (bucket, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads (
  upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key BLOB NOT NULL, initiated_ms INTEGER NOT NULL,
  content_type TEXT NOT NULL, headers TEXT NOT NULL, metadata TEXT NOT NULL, storage_class TEXT NOT NULL,
  checksum_algorithm TEXT, checksum_type TEXT);
CREATE TABLE IF NOT EXISTS parts (
  upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
  file TEXT NOT NULL, checksum TEXT, last_modified_ms INTEGER,
  PRIMARY KEY (upload_id, part_number)) WITHOUT ROWID;
`;

type Row = Record<string, unknown>;

/** SQLite's "database is locked" result code. */
const SQLITE_BUSY = 5;

/**
 * The S3 index: buckets, object metadata, multipart uploads, in SQLite. Keys are stored as
 * UTF-8 BLOBs, so the primary key orders them exactly as S3 lists them (UTF-8 byte order) and
 * a page of a listing is one index range scan, whatever the bucket's size. Each change is one
 * statement or one transaction, so the index never shows half a write.
 */
export class Catalog {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  #buckets: Map<string, BucketInfo> | undefined;

  /**
   * Opens the index at `path`, creating it if needed, and takes it for this process alone: a
   * second backend on the same data directory fails here with a clear error instead of
   * sharing it (the in-memory bucket list would go stale).
   */
  constructor(path: string) {
    this.#db = new DatabaseSync(path);
    try {
      // Exclusive locking mode keeps the write lock from the first write until close; the OS
      // releases it if the process dies.
      this.#db.exec(
        'PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;',
      );
      this.#db.exec(`BEGIN IMMEDIATE; ${SCHEMA} COMMIT;`);
      this.#migrate();
    } catch (error) {
      this.#db.close();
      if ((error as { errcode?: number }).errcode === SQLITE_BUSY) {
        throw new Error(
          `The S3 data at ${path} is in use by another stepfleet local backend; stop it or use another data directory.`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  // Indexes written by earlier versions lack later columns.
  #migrate(): void {
    const columns = (this.#db.prepare('PRAGMA table_info(uploads)').all() as Row[]).map((c) => c.name);
    if (!columns.includes('checksum_type'))
      this.#db.exec('ALTER TABLE uploads ADD COLUMN checksum_type TEXT');
    const partColumns = (this.#db.prepare('PRAGMA table_info(parts)').all() as Row[]).map((c) => c.name);
    if (!partColumns.includes('last_modified_ms'))
      this.#db.exec('ALTER TABLE parts ADD COLUMN last_modified_ms INTEGER');
  }

  #sql(text: string): StatementSync {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  /** Runs `fn` in one transaction. */
  transaction<T>(fn: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  // Buckets

  bucket(name: string): BucketInfo | undefined {
    return this.#bucketCache().get(name);
  }

  buckets(): BucketInfo[] {
    return [...this.#bucketCache().values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  insertBucket(bucket: BucketInfo): void {
    this.#sql('INSERT INTO buckets (name, region, created_ms) VALUES (?, ?, ?)').run(
      bucket.name,
      bucket.region,
      bucket.creationDate.getTime(),
    );
    this.#bucketCache().set(bucket.name, bucket);
  }

  deleteBucket(name: string): void {
    this.#sql('DELETE FROM buckets WHERE name = ?').run(name);
    this.#bucketCache().delete(name);
  }

  // Every object call checks its bucket: buckets are few, so they are kept in memory too.
  #bucketCache(): Map<string, BucketInfo> {
    this.#buckets ??= new Map(
      (this.#sql('SELECT * FROM buckets').all() as Row[]).map((row) => [row.name as string, toBucket(row)]),
    );
    return this.#buckets;
  }

  hasObjects(bucket: string): boolean {
    return this.#sql('SELECT 1 FROM objects WHERE bucket = ? LIMIT 1').get(bucket) !== undefined;
  }

  // Objects

  object(bucket: string, key: string): ObjectRecord | undefined {
    const row = this.#sql('SELECT * FROM objects WHERE bucket = ? AND key = ?').get(bucket, keyBytes(key)) as
      | Row
      | undefined;
    return row && toObject(row);
  }

  /** Inserts or replaces an object; returns the data file of the object it replaced, if any. */
  putObject(bucket: string, record: ObjectRecord): string | undefined {
    const key = keyBytes(record.key);
    const old = this.#sql('SELECT file FROM objects WHERE bucket = ? AND key = ?').get(bucket, key) as
      | Row
      | undefined;
    this.#sql(
      `INSERT OR REPLACE INTO objects (bucket, key, size, etag, last_modified_ms, storage_class, file,
         content_type, headers, metadata, checksum, parts_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      bucket,
      key,
      record.size,
      record.etag,
      record.lastModified.getTime(),
      record.storageClass,
      record.file,
      record.contentType,
      JSON.stringify(record.headers),
      JSON.stringify(record.metadata),
      record.checksum ? JSON.stringify(record.checksum) : null,
      record.partsCount ?? null,
    );
    return old?.file as string | undefined;
  }

  /** Deletes an object; returns its data file, if it existed. */
  deleteObject(bucket: string, key: string): string | undefined {
    const row = this.#sql('DELETE FROM objects WHERE bucket = ? AND key = ? RETURNING file').get(
      bucket,
      keyBytes(key),
    ) as Row | undefined;
    return row?.file as string | undefined;
  }

  /**
   * Objects from `from` (exclusive, or inclusive when `inclusive`) up to `below` (exclusive;
   * none when undefined), in key order, read lazily from the index: a caller that stops early
   * (a listing that skips a common prefix) reads no more rows than it used. Bounds are UTF-8
   * bytes. Finish or abandon the iteration before the next call.
   */
  *scan(
    bucket: string,
    from: Buffer,
    inclusive: boolean,
    below: Buffer | undefined,
  ): Generator<ObjectSummary> {
    const lower = inclusive ? '>=' : '>';
    const upper = below ? 'AND key < ?' : '';
    const statement = this.#sql(
      `SELECT key, size, etag, last_modified_ms, storage_class FROM objects
       WHERE bucket = ? AND key ${lower} ? ${upper} ORDER BY key`,
    );
    const rows = below ? statement.iterate(bucket, from, below) : statement.iterate(bucket, from);
    for (const row of rows) yield toSummary(row as Row);
  }

  // Multipart uploads

  insertUpload(upload: UploadRecord): void {
    this.#sql(
      `INSERT INTO uploads (upload_id, bucket, key, initiated_ms, content_type, headers, metadata,
         storage_class, checksum_algorithm, checksum_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      upload.uploadId,
      upload.bucket,
      keyBytes(upload.key),
      upload.initiated.getTime(),
      upload.contentType,
      JSON.stringify(upload.headers),
      JSON.stringify(upload.metadata),
      upload.storageClass,
      upload.checksumAlgorithm ?? null,
      upload.checksumType ?? null,
    );
  }

  upload(uploadId: string): UploadRecord | undefined {
    const row = this.#sql('SELECT * FROM uploads WHERE upload_id = ?').get(uploadId) as Row | undefined;
    return row && toUpload(row);
  }

  /** A bucket's uploads in S3's listing order: by key (UTF-8 bytes), then initiation (rowid breaks ties). */
  uploadsOf(bucket: string): UploadRecord[] {
    return (
      this.#sql('SELECT * FROM uploads WHERE bucket = ? ORDER BY key, initiated_ms, rowid').all(
        bucket,
      ) as Row[]
    ).map(toUpload);
  }

  /** Removes an upload and its parts; returns the parts' data files. */
  deleteUpload(uploadId: string): string[] {
    const files = (
      this.#sql('DELETE FROM parts WHERE upload_id = ? RETURNING file').all(uploadId) as Row[]
    ).map((row) => row.file as string);
    this.#sql('DELETE FROM uploads WHERE upload_id = ?').run(uploadId);
    return files;
  }

  /** Inserts or replaces a part; returns the data file of the part it replaced, if any. */
  putPart(uploadId: string, part: PartRecord): string | undefined {
    const old = this.#sql('SELECT file FROM parts WHERE upload_id = ? AND part_number = ?').get(
      uploadId,
      part.partNumber,
    ) as Row | undefined;
    this.#sql(
      `INSERT OR REPLACE INTO parts (upload_id, part_number, size, etag, file, checksum, last_modified_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      uploadId,
      part.partNumber,
      part.size,
      part.etag,
      part.file,
      part.checksum ?? null,
      part.lastModified?.getTime() ?? null,
    );
    return old?.file as string | undefined;
  }

  parts(uploadId: string): PartRecord[] {
    return (
      this.#sql('SELECT * FROM parts WHERE upload_id = ? ORDER BY part_number').all(uploadId) as Row[]
    ).map((row) => ({
      partNumber: row.part_number as number,
      size: row.size as number,
      etag: row.etag as string,
      file: row.file as string,
      ...(row.checksum ? { checksum: row.checksum as string } : {}),
      ...(row.last_modified_ms ? { lastModified: new Date(row.last_modified_ms as number) } : {}),
    }));
  }
}

/** A key as the index stores and orders it. */
export function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'utf8');
}

function toBucket(row: Row): BucketInfo {
  return {
    name: row.name as string,
    region: row.region as string,
    creationDate: new Date(row.created_ms as number),
  };
}

function toSummary(row: Row): ObjectSummary {
  return {
    key: Buffer.from(row.key as Uint8Array).toString('utf8'),
    size: row.size as number,
    etag: row.etag as string,
    lastModified: new Date(row.last_modified_ms as number),
    storageClass: row.storage_class as string,
  };
}

function toObject(row: Row): ObjectRecord {
  return {
    ...toSummary(row),
    file: row.file as string,
    contentType: row.content_type as string,
    headers: JSON.parse(row.headers as string) as ObjectHeaders,
    metadata: JSON.parse(row.metadata as string) as Record<string, string>,
    ...(row.checksum ? { checksum: JSON.parse(row.checksum as string) as ObjectChecksum } : {}),
    ...(row.parts_count ? { partsCount: row.parts_count as number } : {}),
  };
}

function toUpload(row: Row): UploadRecord {
  return {
    uploadId: row.upload_id as string,
    bucket: row.bucket as string,
    key: Buffer.from(row.key as Uint8Array).toString('utf8'),
    initiated: new Date(row.initiated_ms as number),
    contentType: row.content_type as string,
    headers: JSON.parse(row.headers as string) as ObjectHeaders,
    metadata: JSON.parse(row.metadata as string) as Record<string, string>,
    storageClass: row.storage_class as string,
    ...(row.checksum_algorithm ? { checksumAlgorithm: row.checksum_algorithm as string } : {}),
    ...(row.checksum_type ? { checksumType: row.checksum_type as 'COMPOSITE' | 'FULL_OBJECT' } : {}),
  };
}
