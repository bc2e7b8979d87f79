import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { rejectionOf, type S3Harness, startS3 } from './s3-harness.ts';

const MiB = 1024 * 1024;

/** `count` MiB of bytes that differ per MiB, generated as they are read. */
function generated(count: number): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < count; i++) yield Buffer.alloc(MiB, (i * 37) % 251);
    })(),
  );
}

function md5Hex(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

describe('multipart uploads through client-s3 and lib-storage', () => {
  let h: S3Harness;
  let s3: S3Client;
  before(async () => {
    h = await startS3({ buckets: ['uploads'] });
    s3 = h.client;
  });
  after(() => h.stop());

  test('a 20 MB lib-storage Upload with the SDK default checksums', async () => {
    const upload = new Upload({
      client: s3,
      params: { Bucket: 'uploads', Key: 'big/20mb.bin', Body: generated(20) },
    });
    const done = await upload.done();
    // lib-storage's default part size is 5 MiB: 4 parts, ETag = md5 of the parts' md5s, "-4".
    const partMd5s = Array.from({ length: 4 }, (_, p) => {
      const hash = createHash('md5');
      for (let i = p * 5; i < p * 5 + 5; i++) hash.update(Buffer.alloc(MiB, (i * 37) % 251));
      return hash.digest();
    });
    assert.equal(done.ETag, `"${md5Hex(Buffer.concat(partMd5s))}-4"`);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: 'uploads', Key: 'big/20mb.bin', ChecksumMode: 'ENABLED' }),
    );
    assert.equal(head.ContentLength, 20 * MiB);
    assert.equal(head.PartsCount, 4);
    assert.match(head.ChecksumCRC32 ?? '', /^[A-Za-z0-9+/]{6}==-4$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'big/20mb.bin' }));
    const whole = createHash('md5');
    let size = 0;
    for await (const chunk of got.Body as Readable) {
      whole.update(chunk);
      size += chunk.length;
    }
    const expected = createHash('md5');
    for (let i = 0; i < 20; i++) expected.update(Buffer.alloc(MiB, (i * 37) % 251));
    assert.equal(size, 20 * MiB);
    const expectedMd5 = expected.digest('hex');
    assert.equal(whole.digest('hex'), expectedMd5);

    // A copy is a single-part object: its ETag is the MD5 of the bytes, as S3 computes it.
    const copy = await s3.send(
      new CopyObjectCommand({ Bucket: 'uploads', Key: 'big/copy.bin', CopySource: 'uploads/big/20mb.bin' }),
    );
    assert.equal(copy.CopyObjectResult?.ETag, `"${expectedMd5}"`);
    const copied = await s3.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'big/copy.bin' }));
    assert.equal(copied.PartsCount, undefined);
    assert.equal(copied.ContentLength, 20 * MiB);
  });

  test('a FULL_OBJECT CRC64NVME multipart upload: the whole-object checksum the SDK validates on GetObject', async () => {
    const params = { Bucket: 'uploads', Key: 'full-object.bin' };
    const created = await s3.send(
      new CreateMultipartUploadCommand({ ...params, ChecksumAlgorithm: 'CRC64NVME' }),
    );
    assert.equal(created.ChecksumType, 'FULL_OBJECT');
    const bodies = [Buffer.alloc(5 * MiB, 1), Buffer.from('tail')];
    const parts = [];
    for (const [i, Body] of bodies.entries()) {
      const part = await s3.send(
        new UploadPartCommand({
          ...params,
          UploadId: created.UploadId,
          PartNumber: i + 1,
          Body,
          ChecksumAlgorithm: 'CRC64NVME',
        }),
      );
      assert.ok(part.ChecksumCRC64NVME);
      parts.push({ PartNumber: i + 1, ETag: part.ETag, ChecksumCRC64NVME: part.ChecksumCRC64NVME });
    }
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        ...params,
        UploadId: created.UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    assert.equal(done.ChecksumType, 'FULL_OBJECT');
    assert.doesNotMatch(done.ChecksumCRC64NVME ?? '', /-/);
    // The SDK checks the whole body against a FULL_OBJECT checksum: a wrong one would throw here.
    const got = await s3.send(new GetObjectCommand({ ...params, ChecksumMode: 'ENABLED' }));
    assert.equal(got.ChecksumCRC64NVME, done.ChecksumCRC64NVME);
    assert.equal((await got.Body!.transformToByteArray()).length, 5 * MiB + 4);
  });

  test('a small lib-storage Upload is one PutObject', async () => {
    const done = await new Upload({
      client: s3,
      params: { Bucket: 'uploads', Key: 'small.txt', Body: 'tiny' },
    }).done();
    assert.equal(done.ETag, `"${md5Hex('tiny')}"`);
  });

  test('CompleteMultipartUpload checks parts: EntityTooSmall, InvalidPart, InvalidPartOrder', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'parts' }));
    const first = await s3.send(
      new UploadPartCommand({ Bucket: 'uploads', Key: 'parts', UploadId, PartNumber: 1, Body: 'one' }),
    );
    const second = await s3.send(
      new UploadPartCommand({ Bucket: 'uploads', Key: 'parts', UploadId, PartNumber: 2, Body: 'two' }),
    );
    assert.equal(first.ETag, `"${md5Hex('one')}"`);
    const complete = (parts: { PartNumber: number; ETag?: string }[]) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'uploads',
          Key: 'parts',
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    const tooSmall = await rejectionOf(() =>
      complete([
        { PartNumber: 1, ETag: first.ETag },
        { PartNumber: 2, ETag: second.ETag },
      ]),
    );
    assert.equal(tooSmall.name, 'EntityTooSmall');
    const wrongTag = await rejectionOf(() => complete([{ PartNumber: 1, ETag: second.ETag }]));
    assert.equal(wrongTag.name, 'InvalidPart');
    const unknownPart = await rejectionOf(() => complete([{ PartNumber: 3, ETag: first.ETag }]));
    assert.equal(unknownPart.name, 'InvalidPart');
    const order = await rejectionOf(() =>
      complete([
        { PartNumber: 2, ETag: second.ETag },
        { PartNumber: 1, ETag: first.ETag },
      ]),
    );
    assert.equal(order.name, 'InvalidPartOrder');
    // The last part may be small: one part alone completes.
    const done = await complete([{ PartNumber: 1, ETag: first.ETag }]);
    assert.equal(done.ETag, `"${md5Hex(createHash('md5').update('one').digest())}-1"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'parts' }));
    assert.equal(await got.Body?.transformToString(), 'one');
    const completedTwice = await rejectionOf(() => complete([{ PartNumber: 1, ETag: first.ETag }]));
    assert.equal(completedTwice.name, 'NoSuchUpload');
  });

  test('ListParts and ListMultipartUploads page through what is in progress', async () => {
    const start = async (Key: string) =>
      (await s3.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key }))).UploadId!;
    const twiceA = [await start('listed/a'), await start('listed/a')];
    const b = await start('listed/b');
    for (const PartNumber of [3, 1, 2]) {
      await s3.send(
        new UploadPartCommand({
          Bucket: 'uploads',
          Key: 'listed/b',
          UploadId: b,
          PartNumber,
          Body: `p${PartNumber}`,
        }),
      );
    }
    const firstParts = await s3.send(
      new ListPartsCommand({ Bucket: 'uploads', Key: 'listed/b', UploadId: b, MaxParts: 2 }),
    );
    assert.deepEqual(
      firstParts.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag]),
      [1, 2].map((n) => [n, 2, `"${md5Hex(`p${n}`)}"`]),
    );
    assert.equal(firstParts.IsTruncated, true);
    const restParts = await s3.send(
      new ListPartsCommand({
        Bucket: 'uploads',
        Key: 'listed/b',
        UploadId: b,
        PartNumberMarker: firstParts.NextPartNumberMarker,
      }),
    );
    assert.deepEqual(
      restParts.Parts?.map((p) => p.PartNumber),
      [3],
    );

    const pages = [];
    let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
    do {
      const page = await s3.send(
        new ListMultipartUploadsCommand({ Bucket: 'uploads', Prefix: 'listed/', MaxUploads: 2, ...markers }),
      );
      pages.push(page.Uploads?.map((u) => [u.Key, u.UploadId]) ?? []);
      markers = page.IsTruncated
        ? { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker }
        : {};
    } while (markers.KeyMarker);
    assert.deepEqual(pages, [
      [
        ['listed/a', twiceA[0]],
        ['listed/a', twiceA[1]],
      ],
      [['listed/b', b]],
    ]);
    for (const [Key, UploadId] of pages.flat()) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key, UploadId }));
    }
    const none = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'uploads', Prefix: 'listed/' }));
    assert.equal(none.Uploads, undefined);
  });

  test('AbortMultipartUpload discards the upload: its parts answer NoSuchUpload afterwards', async () => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'aborted' }),
    );
    await s3.send(
      new UploadPartCommand({ Bucket: 'uploads', Key: 'aborted', UploadId, PartNumber: 1, Body: 'x' }),
    );
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'aborted', UploadId }));
    const part = await rejectionOf(() =>
      s3.send(
        new UploadPartCommand({ Bucket: 'uploads', Key: 'aborted', UploadId, PartNumber: 2, Body: 'y' }),
      ),
    );
    assert.equal(part.name, 'NoSuchUpload');
    const again = await rejectionOf(() =>
      s3.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'aborted', UploadId })),
    );
    assert.equal(again.name, 'NoSuchUpload');
    const object = await rejectionOf(() =>
      s3.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'aborted' })),
    );
    assert.equal(object.name, 'NotFound');
    const badNumber = await rejectionOf(() =>
      s3.send(
        new UploadPartCommand({ Bucket: 'uploads', Key: 'aborted', UploadId, PartNumber: 10_001, Body: 'y' }),
      ),
    );
    assert.equal(badNumber.name, 'InvalidArgument');
  });
});
