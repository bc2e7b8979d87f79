import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { AwsError } from '../src/aws-error.ts';
import { createS3Service } from '../src/s3/index.ts';
import type { S3Service } from '../src/s3/types.ts';
import { tempDataDir } from './s3-harness.ts';

async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).length;
}

async function codeOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof AwsError, `expected an AwsError, got ${String(error)}`);
    return error.code;
  }
  throw new Error('expected the call to fail, it succeeded');
}

describe('the programmatic S3 store (what the engine calls, no HTTP)', () => {
  let s3: S3Service;
  let cleanup: () => Promise<void>;
  let dataDir: string;
  before(async () => {
    ({ dataDir, cleanup } = await tempDataDir());
    s3 = createS3Service({ dataDir });
    await s3.store.createBucket('store');
  });
  after(async () => {
    await s3.close();
    await cleanup();
  });

  test('putObject takes a string, a Buffer or a Readable; getObject streams it back with its attributes', async () => {
    const fromString = await s3.store.putObject('store', 'a.json', '{"a":1}', {
      contentType: 'application/json',
    });
    assert.equal(fromString.etag, `"${createHash('md5').update('{"a":1}').digest('hex')}"`);
    await s3.store.putObject('store', 'b.bin', Buffer.from([1, 2, 3]));
    const lines = Array.from({ length: 1000 }, (_, i) => `{"i":${i}}\n`);
    const streamed = await s3.store.putObject('store', 'c.jsonl', Readable.from(lines), {
      metadata: { rows: '1000' },
    });
    assert.equal(streamed.size, lines.join('').length);

    const a = await s3.store.getObject('store', 'a.json');
    assert.equal(await text(a.body), '{"a":1}');
    assert.equal(a.contentType, 'application/json');
    assert.equal(a.etag, fromString.etag);
    const c = await s3.store.getObject('store', 'c.jsonl');
    assert.equal(c.size, streamed.size);
    assert.deepEqual(c.metadata, { rows: '1000' });
    assert.equal(await text(c.body), lines.join(''));
    const b = await s3.store.headObject('store', 'b.bin');
    assert.equal(b.contentType, 'binary/octet-stream');
    assert.equal(b.size, 3);
  });

  test('ranged reads: { start, end }, { start }, { suffixLength }; InvalidRange past the end', async () => {
    await s3.store.putObject('store', 'digits', '0123456789');
    const read = async (range: Parameters<typeof s3.store.getObject>[2]) => {
      const got = await s3.store.getObject('store', 'digits', range);
      return [await text(got.body), got.range, got.contentLength] as const;
    };
    assert.deepEqual(await read({ range: { start: 2, end: 4 } }), ['234', { start: 2, end: 4 }, 3]);
    assert.deepEqual(await read({ range: { start: 7 } }), ['789', { start: 7, end: 9 }, 3]);
    assert.deepEqual(await read({ range: { suffixLength: 2 } }), ['89', { start: 8, end: 9 }, 2]);
    assert.equal(
      await codeOf(() => s3.store.getObject('store', 'digits', { range: { start: 10 } })),
      'InvalidRange',
    );
  });

  test('a reader keeps the bytes it opened while the key is overwritten or deleted', async () => {
    await s3.store.putObject('store', 'moving', 'old'.repeat(100_000));
    const reading = await s3.store.getObject('store', 'moving');
    await s3.store.putObject('store', 'moving', 'new');
    await s3.store.deleteObject('store', 'moving');
    assert.equal(await text(reading.body), 'old'.repeat(100_000));
    assert.equal(await codeOf(() => s3.store.headObject('store', 'moving')), 'NoSuchKey');
  });

  test('listObjects pages and iterateObjects yields { key, size, etag, lastModified, storageClass }', async () => {
    for (let i = 0; i < 25; i++)
      await s3.store.putObject('store', `items/${String(i).padStart(2, '0')}`, `${i}`);
    const first = await s3.store.listObjects('store', { prefix: 'items/', maxKeys: 10 });
    assert.equal(first.keyCount, 10);
    assert.equal(first.isTruncated, true);
    const second = await s3.store.listObjects('store', {
      prefix: 'items/',
      maxKeys: 10,
      continuationToken: first.nextContinuationToken!,
    });
    assert.equal(second.contents[0]?.key, 'items/10');
    const all = [];
    for await (const object of s3.store.iterateObjects('store', {
      prefix: 'items/',
      startAfter: 'items/19',
    })) {
      all.push(object);
    }
    assert.deepEqual(
      all.map((o) => o.key),
      ['items/20', 'items/21', 'items/22', 'items/23', 'items/24'],
    );
    assert.deepEqual(Object.keys(all[0]!).sort(), ['etag', 'key', 'lastModified', 'size', 'storageClass']);
  });

  test('concurrent overwrites of one key leave one whole object and one data file', async () => {
    const before = await countFiles(join(dataDir, 's3', 'objects'));
    const bodies = Array.from({ length: 20 }, (_, i) => String(i).repeat(50_000));
    await Promise.all(bodies.map((body) => s3.store.putObject('store', 'contended', Readable.from([body]))));
    const got = await text((await s3.store.getObject('store', 'contended')).body);
    assert.ok(bodies.includes(got), 'the object is one of the writes, whole');
    assert.equal(await countFiles(join(dataDir, 's3', 'objects')), before + 1);
    assert.deepEqual(await readdir(join(dataDir, 's3', 'tmp')), []);
  });

  test('a second service on the same data directory is refused while the first is open', () => {
    assert.throws(() => createS3Service({ dataDir }), /in use by another stepfleet local backend/);
  });

  test('errors are AwsErrors with S3 codes', async () => {
    assert.equal(await codeOf(() => s3.store.getObject('nowhere', 'k')), 'NoSuchBucket');
    assert.equal(await codeOf(() => s3.store.getObject('store', 'missing')), 'NoSuchKey');
    assert.equal(await codeOf(() => s3.store.createBucket('Bad_Name')), 'InvalidBucketName');
    assert.equal(await codeOf(() => s3.store.createBucket('store')), 'BucketAlreadyOwnedByYou');
    assert.equal(await codeOf(() => s3.store.deleteBucket('store')), 'BucketNotEmpty');
    assert.equal(await codeOf(() => s3.store.putObject('store', 'k'.repeat(1025), 'x')), 'KeyTooLongError');
    assert.equal(
      await codeOf(() => s3.store.putObject('store', 'x', 'abc', { contentLength: 5 })),
      'IncompleteBody',
    );
    assert.equal(
      await codeOf(() =>
        s3.store.putObject('store', 'x', 'abc', { checksum: { algorithm: 'CRC32', value: 'AAAAAA==' } }),
      ),
      'BadDigest',
    );
    assert.equal(
      await codeOf(() => s3.store.abortMultipartUpload('store', 'x', 'no-such-id')),
      'NoSuchUpload',
    );
  });
});
