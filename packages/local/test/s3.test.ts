import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { rejectionOf, type S3Harness, startS3 } from './s3-harness.ts';

const md5 = (data: Buffer | string): string => `"${createHash('md5').update(data).digest('hex')}"`;

describe('S3 buckets and objects through client-s3 with default settings', () => {
  let h: S3Harness;
  let s3: S3Client;
  before(async () => {
    h = await startS3({ buckets: ['objects'] });
    s3 = h.client;
  });
  after(() => h.stop());

  test('CreateBucket, HeadBucket, ListBuckets, DeleteBucket', async () => {
    const created = await s3.send(new CreateBucketCommand({ Bucket: 'made.and-gone' }));
    assert.equal(created.Location, '/made.and-gone');
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'made.and-gone' }));
    assert.equal(head.BucketRegion, 'us-east-1');
    const listed = await s3.send(new ListBucketsCommand({}));
    assert.deepEqual(
      listed.Buckets?.map((b) => b.Name),
      ['made.and-gone', 'objects'],
    );
    assert.ok(listed.Buckets?.[0]?.CreationDate instanceof Date);
    await s3.send(new DeleteBucketCommand({ Bucket: 'made.and-gone' }));
    const gone = await rejectionOf(() => s3.send(new HeadBucketCommand({ Bucket: 'made.and-gone' })));
    assert.equal(gone.$metadata && (gone.$metadata as { httpStatusCode: number }).httpStatusCode, 404);
  });

  test('bucket errors: InvalidBucketName, BucketAlreadyOwnedByYou, NoSuchBucket, BucketNotEmpty', async () => {
    for (const bad of [
      'ab',
      'Upper',
      'has_underscore',
      'two..dots',
      '192.168.1.1',
      'xn--punycode',
      '-dash',
    ]) {
      const error = await rejectionOf(() => s3.send(new CreateBucketCommand({ Bucket: bad })));
      assert.equal(error.name, 'InvalidBucketName', bad);
    }
    const again = await rejectionOf(() => s3.send(new CreateBucketCommand({ Bucket: 'objects' })));
    assert.equal(again.name, 'BucketAlreadyOwnedByYou');
    assert.equal((again.$metadata as { httpStatusCode: number }).httpStatusCode, 409);
    const missing = await rejectionOf(() =>
      s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' })),
    );
    assert.equal(missing.name, 'NoSuchBucket');
    await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'keeps-it-full', Body: 'x' }));
    const notEmpty = await rejectionOf(() => s3.send(new DeleteBucketCommand({ Bucket: 'objects' })));
    assert.equal(notEmpty.name, 'BucketNotEmpty');
    assert.equal((notEmpty.$metadata as { httpStatusCode: number }).httpStatusCode, 409);
  });

  test('PutObject and GetObject keep bytes, ETag, content type, metadata, odd keys', async () => {
    const key = 'dir/ünïcödé key+plus%percent?q=1#hash/../dots 😀';
    const body = 'hello, S3';
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: key,
        Body: body,
        ContentType: 'text/plain',
        CacheControl: 'max-age=60',
        Metadata: { owner: 'tests' },
      }),
    );
    assert.equal(put.ETag, md5(body));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: key }));
    assert.equal(await got.Body?.transformToString(), body);
    assert.equal(got.ETag, md5(body));
    assert.equal(got.ContentType, 'text/plain');
    assert.equal(got.CacheControl, 'max-age=60');
    assert.deepEqual(got.Metadata, { owner: 'tests' });
    assert.equal(got.ContentLength, Buffer.byteLength(body));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: key }));
    assert.equal(head.ContentLength, Buffer.byteLength(body));
    assert.ok(head.LastModified instanceof Date);
  });

  test('a streamed PutObject (Readable body, ContentLength) stores the decoded bytes with its checksum', async () => {
    const chunks = Array.from({ length: 8 }, (_, i) => Buffer.alloc(64 * 1024 + i, i));
    const all = Buffer.concat(chunks);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: 'streamed.bin',
        Body: Readable.from(chunks),
        ContentLength: all.length,
      }),
    );
    assert.equal(put.ETag, md5(all));
    // The SDK sent it aws-chunked with a CRC32 trailer; the checksum comes back with the object.
    assert.ok(put.ChecksumCRC32);
    const got = await s3.send(
      new GetObjectCommand({ Bucket: 'objects', Key: 'streamed.bin', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(got.ChecksumCRC32, put.ChecksumCRC32);
    assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), all);
  });

  test('ranged GetObject: first, middle, open-ended and suffix ranges; InvalidRange past the end', async () => {
    const body = Buffer.from('0123456789abcdef');
    await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'ranged', Body: body }));
    const cases: [string, string, string][] = [
      ['bytes=0-3', '0123', 'bytes 0-3/16'],
      ['bytes=10-12', 'abc', 'bytes 10-12/16'],
      ['bytes=14-', 'ef', 'bytes 14-15/16'],
      ['bytes=-5', 'bcdef', 'bytes 11-15/16'],
      ['bytes=12-999', 'cdef', 'bytes 12-15/16'],
    ];
    for (const [range, expected, contentRange] of cases) {
      const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'ranged', Range: range }));
      assert.equal(await got.Body?.transformToString(), expected, range);
      assert.equal(got.ContentRange, contentRange);
      assert.equal(got.$metadata.httpStatusCode, 206);
    }
    const error = await rejectionOf(() =>
      s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'ranged', Range: 'bytes=16-' })),
    );
    assert.equal(error.name, 'InvalidRange');
    assert.equal((error.$metadata as { httpStatusCode: number }).httpStatusCode, 416);
  });

  test('conditional GetObject: If-None-Match answers 304, If-Match a mismatch answers 412', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'conditional', Body: 'v1' }));
    const notModified = await rejectionOf(() =>
      s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'conditional', IfNoneMatch: put.ETag })),
    );
    assert.equal((notModified.$metadata as { httpStatusCode: number }).httpStatusCode, 304);
    const failed = await rejectionOf(() =>
      s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'conditional', IfMatch: '"0000"' })),
    );
    assert.equal(failed.name, 'PreconditionFailed');
    const ok = await s3.send(
      new GetObjectCommand({ Bucket: 'objects', Key: 'conditional', IfMatch: put.ETag }),
    );
    assert.equal(await ok.Body?.transformToString(), 'v1');
    const exists = await rejectionOf(() =>
      s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'conditional', Body: 'v2', IfNoneMatch: '*' })),
    );
    assert.equal(exists.name, 'PreconditionFailed');
  });

  test('CopyObject copies bytes and metadata, or replaces the metadata', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: 'src key',
        Body: 'copied',
        ContentType: 'text/csv',
        Metadata: { a: '1' },
      }),
    );
    const copy = await s3.send(
      new CopyObjectCommand({
        Bucket: 'objects',
        Key: 'dst/copy',
        CopySource: `objects/${encodeURIComponent('src key')}`,
      }),
    );
    assert.equal(copy.CopyObjectResult?.ETag, md5('copied'));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'dst/copy' }));
    assert.equal(await got.Body?.transformToString(), 'copied');
    assert.equal(got.ContentType, 'text/csv');
    assert.deepEqual(got.Metadata, { a: '1' });
    await s3.send(
      new CopyObjectCommand({
        Bucket: 'objects',
        Key: 'dst/copy',
        CopySource: 'objects/src%20key',
        MetadataDirective: 'REPLACE',
        ContentType: 'application/json',
        Metadata: { b: '2' },
      }),
    );
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'dst/copy' }));
    assert.equal(replaced.ContentType, 'application/json');
    assert.deepEqual(replaced.Metadata, { b: '2' });
    const missing = await rejectionOf(() =>
      s3.send(new CopyObjectCommand({ Bucket: 'objects', Key: 'x', CopySource: 'objects/not-there' })),
    );
    assert.equal(missing.name, 'NoSuchKey');
  });

  test('DeleteObject and DeleteObjects (verbose and Quiet); missing keys count as deleted, as S3', async () => {
    for (const key of ['d/1', 'd/2', 'd/3', 'd/4']) {
      await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: key, Body: key }));
    }
    await s3.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'd/1' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'd/never-existed' }));
    const verbose = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'objects',
        Delete: { Objects: [{ Key: 'd/2' }, { Key: 'd/absent' }] },
      }),
    );
    assert.deepEqual(
      verbose.Deleted?.map((d) => d.Key),
      ['d/2', 'd/absent'],
    );
    assert.equal(verbose.Errors, undefined);
    const quiet = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'objects',
        Delete: { Objects: [{ Key: 'd/3' }, { Key: 'd/4' }], Quiet: true },
      }),
    );
    assert.equal(quiet.Deleted, undefined);
    for (const key of ['d/1', 'd/2', 'd/3', 'd/4']) {
      const error = await rejectionOf(() => s3.send(new GetObjectCommand({ Bucket: 'objects', Key: key })));
      assert.equal(error.name, 'NoSuchKey', key);
    }
  });

  test('missing objects: NoSuchKey on GetObject, a bodiless 404 (NotFound) on HeadObject', async () => {
    const get = await rejectionOf(() => s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'nope' })));
    assert.equal(get.name, 'NoSuchKey');
    assert.equal(get.Key, 'nope');
    const head = await rejectionOf(() => s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'nope' })));
    assert.equal(head.name, 'NotFound');
    assert.equal((head.$metadata as { httpStatusCode: number }).httpStatusCode, 404);
  });

  test('unsupported calls are refused with NotImplemented naming them', async () => {
    const tagging = await rejectionOf(() =>
      s3.send(new GetObjectTaggingCommand({ Bucket: 'objects', Key: 'k' })),
    );
    assert.equal(tagging.name, 'NotImplemented');
    assert.match(tagging.message, /GetObjectTagging/);
    const versions = await rejectionOf(() => s3.send(new ListObjectVersionsCommand({ Bucket: 'objects' })));
    assert.equal(versions.name, 'NotImplemented');
    assert.match(versions.message, /ListObjectVersions/);
    const kms = await rejectionOf(() =>
      s3.send(
        new PutObjectCommand({ Bucket: 'objects', Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms' }),
      ),
    );
    assert.equal(kms.name, 'NotImplemented');
    assert.match(kms.message, /aws:kms/);
  });

  test('a dropped response (connection reset after the write took effect) surfaces as a network error', async () => {
    h.backend.faults.set([{ service: 's3', operation: 'PutObject', dropRate: 1 }]);
    try {
      const error = await rejectionOf(() =>
        s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'dropped', Body: 'kept' })),
      );
      assert.match(
        `${error.name} ${error.message} ${(error as { code?: string }).code}`,
        /ECONNRESET|socket hang up/i,
      );
    } finally {
      h.backend.faults.clear();
    }
    const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'dropped' }));
    assert.equal(await got.Body?.transformToString(), 'kept');
  });

  test('a throttled call answers SlowDown (503) through the fault injector, then works again', async () => {
    h.backend.faults.set([{ service: 's3', operation: 'GetObject', throttleRate: 1 }]);
    try {
      await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'throttled', Body: 'x' }));
      const error = await rejectionOf(() =>
        s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'throttled' })),
      );
      assert.equal(error.name, 'SlowDown');
      assert.equal((error.$metadata as { httpStatusCode: number; attempts: number }).httpStatusCode, 503);
      // The SDK retried it as a throttling error, as it would against S3.
      assert.equal((error.$metadata as { attempts: number }).attempts, 3);
    } finally {
      h.backend.faults.clear();
    }
    const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'throttled' }));
    assert.equal(await got.Body?.transformToString(), 'x');
  });
});
