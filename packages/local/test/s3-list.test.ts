import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { rejectionOf, type S3Harness, startS3 } from './s3-harness.ts';

const KEY_COUNT = 2500;
/** `logs/2026/day-07/item-0042.json`-style keys: 2,500 of them under 5 days. */
const keyOf = (i: number): string =>
  `logs/2026/day-${String(i % 5).padStart(2, '0')}/item-${String(i).padStart(4, '0')}.json`;

/** Keys sorted as S3 sorts them: by UTF-8 bytes. */
const utf8Sorted = (keys: readonly string[]): string[] =>
  [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe('ListObjectsV2 through client-s3', () => {
  let h: S3Harness;
  let s3: S3Client;
  const keys = Array.from({ length: KEY_COUNT }, (_, i) => keyOf(i));

  before(async () => {
    h = await startS3({ buckets: ['listing'] });
    s3 = h.client;
    // Written through the programmatic store (the listing, not the upload path, is under test),
    // concurrently, in an order unlike the listing order.
    const pending = [...keys].reverse();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let key = pending.pop(); key !== undefined; key = pending.pop()) {
          await h.backend.s3.putObject('listing', key, key);
        }
      }),
    );
    await h.backend.s3.putObject('listing', 'top.txt', 'top');
  });
  after(() => h.stop());

  test('pages of 1000 over 2,500 keys, in key order, with continuation tokens', async () => {
    const pages: ListObjectsV2CommandOutput[] = [];
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: 'listing', Prefix: 'logs/' })) {
      pages.push(page);
    }
    assert.deepEqual(
      pages.map((p) => p.KeyCount),
      [1000, 1000, 500],
    );
    assert.deepEqual(
      pages.map((p) => p.IsTruncated),
      [true, true, false],
    );
    assert.ok(pages[0]?.NextContinuationToken);
    assert.equal(pages[1]?.ContinuationToken, pages[0]?.NextContinuationToken);
    const listed = pages.flatMap((p) => p.Contents?.map((o) => o.Key) ?? []);
    assert.deepEqual(listed, utf8Sorted(keys));
    const first = pages[0]?.Contents?.[0];
    assert.equal(first?.Size, Buffer.byteLength(first?.Key ?? ''));
    assert.match(first?.ETag ?? '', /^"[0-9a-f]{32}"$/);
    assert.equal(first?.StorageClass, 'STANDARD');
  });

  test('MaxKeys and StartAfter', async () => {
    const sorted = utf8Sorted([...keys, 'top.txt']);
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 7, StartAfter: sorted[10] }),
    );
    assert.deepEqual(
      page.Contents?.map((o) => o.Key),
      sorted.slice(11, 18),
    );
    assert.equal(page.KeyCount, 7);
    assert.equal(page.IsTruncated, true);
    assert.equal(page.StartAfter, sorted[10]);
  });

  test('Delimiter rolls keys up into CommonPrefixes, paged like keys', async () => {
    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    assert.deepEqual(
      top.CommonPrefixes?.map((p) => p.Prefix),
      ['logs/'],
    );
    assert.deepEqual(
      top.Contents?.map((o) => o.Key),
      ['top.txt'],
    );
    assert.equal(top.KeyCount, 2);

    const days: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: 'listing',
          Prefix: 'logs/2026/',
          Delimiter: '/',
          MaxKeys: 2,
          ContinuationToken: token,
        }),
      );
      assert.equal(page.Contents, undefined);
      days.push(...(page.CommonPrefixes?.map((p) => p.Prefix!) ?? []));
      token = page.NextContinuationToken;
    } while (token);
    assert.deepEqual(
      days,
      [0, 1, 2, 3, 4].map((d) => `logs/2026/day-0${d}/`),
    );

    const oneDay = await s3.send(
      new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'logs/2026/day-03/', Delimiter: '/' }),
    );
    assert.equal(oneDay.KeyCount, KEY_COUNT / 5);
    assert.equal(oneDay.CommonPrefixes, undefined);
  });

  test('keys sort by UTF-8 bytes, not UTF-16 code units; encoding-type=url encodes them', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'unicode' }));
    // U+FF5E sorts below U+1F600 in UTF-8 but above it in UTF-16 (surrogate 0xD83D).
    const odd = ['a\u{1F600}', 'a\uFF5E', 'a b', 'a+b', 'a/b', 'A', 'é'];
    for (const key of odd) await h.backend.s3.putObject('unicode', key, 'x');
    const page = await s3.send(new ListObjectsV2Command({ Bucket: 'unicode' }));
    assert.deepEqual(
      page.Contents?.map((o) => o.Key),
      ['A', 'a b', 'a+b', 'a/b', 'a\uFF5E', 'a\u{1F600}', 'é'],
    );
    const encoded = await s3.send(
      new ListObjectsV2Command({ Bucket: 'unicode', EncodingType: 'url', Prefix: 'a' }),
    );
    assert.equal(encoded.EncodingType, 'url');
    assert.deepEqual(
      encoded.Contents?.map((o) => decodeURIComponent(o.Key!)),
      ['a b', 'a+b', 'a/b', 'a\uFF5E', 'a\u{1F600}'],
    );
    assert.equal(encoded.Contents?.[0]?.Key, 'a%20b');
  });

  test('ListObjects (v1) pages with Marker / NextMarker', async () => {
    const first = await s3.send(
      new ListObjectsCommand({ Bucket: 'listing', Prefix: 'logs/2026/', Delimiter: '/', MaxKeys: 3 }),
    );
    assert.equal(first.IsTruncated, true);
    assert.equal(first.NextMarker, 'logs/2026/day-02/');
    const rest = await s3.send(
      new ListObjectsCommand({
        Bucket: 'listing',
        Prefix: 'logs/2026/',
        Delimiter: '/',
        Marker: first.NextMarker,
      }),
    );
    assert.deepEqual(
      rest.CommonPrefixes?.map((p) => p.Prefix),
      ['logs/2026/day-03/', 'logs/2026/day-04/'],
    );
    assert.equal(rest.IsTruncated, false);
  });

  test('the programmatic store iterates every object under a prefix in key order', async () => {
    const seen: string[] = [];
    for await (const object of h.backend.s3.iterateObjects('listing', { prefix: 'logs/2026/day-01/' })) {
      assert.equal(typeof object.size, 'number');
      assert.ok(object.lastModified instanceof Date);
      seen.push(object.key);
    }
    assert.deepEqual(seen, utf8Sorted(keys.filter((k) => k.startsWith('logs/2026/day-01/'))));
  });

  test('listing errors: NoSuchBucket, a malformed continuation token, a bad max-keys', async () => {
    const missing = await rejectionOf(() => s3.send(new ListObjectsV2Command({ Bucket: 'absent-bucket' })));
    assert.equal(missing.name, 'NoSuchBucket');
    const token = await rejectionOf(() =>
      s3.send(new ListObjectsV2Command({ Bucket: 'listing', ContinuationToken: 'not a token!' })),
    );
    assert.equal(token.name, 'InvalidArgument');
    const max = await rejectionOf(() =>
      s3.send(new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: -1 })),
    );
    assert.equal(max.name, 'InvalidArgument');
  });
});
