import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import {
  type ChecksumAlgorithm,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { rejectionOf, type S3Harness, startS3, tempDataDir } from './s3-harness.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends one raw HTTP request (what no SDK would send: bad framing, bad digests). */
function raw(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer = Buffer.alloc(0),
) {
  return new Promise<RawResponse>((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method, headers: { 'content-length': String(body.length), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function crc32Base64(data: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(data));
  return out.toString('base64');
}

/** An aws-chunked body as SigV4 streaming frames it, with optional chunk signatures and a trailer. */
function awsChunked(chunks: Buffer[], trailer?: string, signed = false): Buffer {
  const sig = signed ? `;chunk-signature=${'0'.repeat(64)}` : '';
  const parts = chunks.flatMap((c) => [
    Buffer.from(`${c.length.toString(16)}${sig}\r\n`),
    c,
    Buffer.from('\r\n'),
  ]);
  return Buffer.concat([...parts, Buffer.from(`0${sig}\r\n${trailer ? `${trailer}\r\n` : ''}\r\n`)]);
}

const codeOf = (response: RawResponse): string | undefined =>
  /<Code>([^<]+)<\/Code>/.exec(response.body)?.[1];

describe('S3 wire details: aws-chunked bodies, checksums, bad requests, restarts', () => {
  let h: S3Harness;
  let s3: S3Client;
  let dataDir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dataDir, cleanup } = await tempDataDir());
    h = await startS3({ dataDir, buckets: ['wire'] });
    s3 = h.client;
  });
  after(async () => {
    await h.stop();
    await cleanup();
  });

  const chunkedHeaders = (decodedLength: number, extra: Record<string, string> = {}) => ({
    'content-encoding': 'aws-chunked',
    'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    'x-amz-decoded-content-length': String(decodedLength),
    ...extra,
  });

  test('an aws-chunked body with a CRC32 trailer is stored decoded, never with its framing', async () => {
    const data = [Buffer.from('hello '), Buffer.from('chunked '), Buffer.from('world')];
    const whole = Buffer.concat(data);
    const body = awsChunked(data, `x-amz-checksum-crc32:${crc32Base64(whole)}`);
    const response = await raw(
      h.backend.url,
      'PUT',
      '/wire/chunked.txt',
      chunkedHeaders(whole.length, { 'x-amz-trailer': 'x-amz-checksum-crc32' }),
      body,
    );
    assert.equal(response.status, 200, response.body);
    assert.equal(response.headers['x-amz-checksum-crc32'], crc32Base64(whole));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'wire', Key: 'chunked.txt' }));
    assert.equal(await got.Body?.transformToString(), 'hello chunked world');
  });

  test('signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) are decoded too', async () => {
    const data = [Buffer.alloc(70_000, 7), Buffer.alloc(3, 8)];
    const whole = Buffer.concat(data);
    const response = await raw(
      h.backend.url,
      'PUT',
      '/wire/signed',
      chunkedHeaders(whole.length, { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' }),
      awsChunked(data, undefined, true),
    );
    assert.equal(response.status, 200, response.body);
    assert.equal(response.headers.etag, `"${createHash('md5').update(whole).digest('hex')}"`);
  });

  test('a wrong trailer checksum is BadDigest and stores nothing', async () => {
    const data = Buffer.from('tampered');
    const response = await raw(
      h.backend.url,
      'PUT',
      '/wire/bad-digest',
      chunkedHeaders(data.length, { 'x-amz-trailer': 'x-amz-checksum-crc32' }),
      awsChunked([data], `x-amz-checksum-crc32:${crc32Base64(Buffer.from('original'))}`),
    );
    assert.equal(response.status, 400);
    assert.equal(codeOf(response), 'BadDigest');
    const error = await rejectionOf(() =>
      s3.send(new GetObjectCommand({ Bucket: 'wire', Key: 'bad-digest' })),
    );
    assert.equal(error.name, 'NoSuchKey');
  });

  test('broken framing is InvalidRequest, a short body IncompleteBody, a wrong Content-MD5 BadDigest, a wrong payload hash XAmzContentSHA256Mismatch', async () => {
    const garbage = await raw(
      h.backend.url,
      'PUT',
      '/wire/garbage',
      chunkedHeaders(5),
      Buffer.from('zz\r\nhello\r\n0\r\n\r\n'),
    );
    assert.equal(codeOf(garbage), 'InvalidRequest');
    const short = await raw(
      h.backend.url,
      'PUT',
      '/wire/short',
      chunkedHeaders(10),
      awsChunked([Buffer.from('12345')]),
    );
    assert.equal(codeOf(short), 'IncompleteBody');
    const md5 = await raw(
      h.backend.url,
      'PUT',
      '/wire/md5',
      { 'content-md5': createHash('md5').update('other').digest('base64') },
      Buffer.from('body'),
    );
    assert.equal(codeOf(md5), 'BadDigest');
    const signed = await raw(
      h.backend.url,
      'PUT',
      '/wire/signed-payload',
      { 'x-amz-content-sha256': createHash('sha256').update('other').digest('hex') },
      Buffer.from('body'),
    );
    assert.equal(codeOf(signed), 'XAmzContentSHA256Mismatch');
    const notStored = await rejectionOf(() =>
      s3.send(new GetObjectCommand({ Bucket: 'wire', Key: 'signed-payload' })),
    );
    assert.equal(notStored.name, 'NoSuchKey');
    const deleteXml = Buffer.from('<Delete><Object><Key>k</Key></Object></Delete>');
    const unchecked = await raw(h.backend.url, 'POST', '/wire?delete', {}, deleteXml);
    assert.equal(codeOf(unchecked), 'InvalidRequest');
    assert.match(unchecked.body, /Content-MD5/);
    const patch = await raw(h.backend.url, 'PATCH', '/wire/k', {});
    assert.equal(patch.status, 405);
    assert.equal(codeOf(patch), 'MethodNotAllowed');
    const unknownParameter = await raw(h.backend.url, 'GET', '/wire/k?versionId=3', {});
    assert.equal(unknownParameter.status, 501);
    assert.match(unknownParameter.body, /versionId/);
  });

  test('every flexible checksum algorithm the SDK computes is validated and returned', async () => {
    const algorithms: ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];
    for (const algorithm of algorithms) {
      const key = `checksum/${algorithm}`;
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: 'wire',
          Key: key,
          Body: `body for ${algorithm}`,
          ChecksumAlgorithm: algorithm,
        }),
      );
      const field = `Checksum${algorithm}` as const;
      assert.ok(put[field], `${algorithm} echoed`);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'wire', Key: key, ChecksumMode: 'ENABLED' }));
      assert.equal(got[field], put[field]);
      assert.equal(await got.Body?.transformToString(), `body for ${algorithm}`);
    }
  });

  test('an upload cut off mid-body stores nothing and leaves no temp file', async () => {
    const port = Number(new URL(h.backend.url).port);
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('PUT /wire/cut-off HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n');
    socket.write(Buffer.alloc(400_000, 1)); // past the in-memory size: streamed to a temp file
    await setTimeout(100);
    assert.equal(
      (await readdir(join(dataDir, 's3', 'tmp'))).length,
      1,
      'the body is streaming to a temp file',
    );
    socket.destroy();
    await setTimeout(100);
    const error = await rejectionOf(() => s3.send(new GetObjectCommand({ Bucket: 'wire', Key: 'cut-off' })));
    assert.equal(error.name, 'NoSuchKey');
    assert.deepEqual(await readdir(join(dataDir, 's3', 'tmp')), []);
  });

  test('a virtual-hosted style request (Host: <bucket>.localhost) reaches the bucket', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'wire', Key: 'hosted/key.txt', Body: 'by host' }));
    const port = new URL(h.backend.url).port;
    const got = await raw(h.backend.url, 'GET', '/hosted/key.txt', { host: `wire.localhost:${port}` });
    assert.equal(got.status, 200);
    assert.equal(got.body, 'by host');
  });

  test('keys with dot segments are keys, never paths', async () => {
    const key = '../../../outside/../../etc/passwd';
    await s3.send(new PutObjectCommand({ Bucket: 'wire', Key: key, Body: 'contained' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'wire', Key: key }));
    assert.equal(await got.Body?.transformToString(), 'contained');
    const other = await rejectionOf(() =>
      s3.send(new GetObjectCommand({ Bucket: 'wire', Key: 'etc/passwd' })),
    );
    assert.equal(other.name, 'NoSuchKey');
  });

  test('buckets, objects and an open multipart upload survive a restart on the same data dir', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: 'wire', Key: 'durable', Body: 'still here', Metadata: { v: '1' } }),
    );
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'wire', Key: 'resumed' }));
    await h.stop();
    h = await startS3({ dataDir });
    s3 = h.client;
    const got = await s3.send(new GetObjectCommand({ Bucket: 'wire', Key: 'durable' }));
    assert.equal(await got.Body?.transformToString(), 'still here');
    assert.deepEqual(got.Metadata, { v: '1' });
    const part = await s3.send(
      new UploadPartCommand({ Bucket: 'wire', Key: 'resumed', UploadId, PartNumber: 1, Body: 'part' }),
    );
    assert.ok(part.ETag);
  });
});
