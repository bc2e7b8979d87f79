/**
 * The local backend's S3 against the floor of what the SDK and HTTP cost: small PutObject and
 * GetObject per second from several concurrent clients, each compared with a bare in-memory
 * HTTP server answering the same calls in the same process; plus a listing page from an index
 * of 200,000 keys.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startLocalBackend } from '../../packages/local/src/index.ts';
import { Catalog } from '../../packages/local/src/s3/catalog.ts';
import { listPage } from '../../packages/local/src/s3/listing.ts';
import { type Bench, type BenchFigure, median } from './types.ts';

const CLIENTS = 4;
const CONCURRENCY_PER_CLIENT = 4;
const OPERATIONS = 1000;
const RUNS = 3;
const BODY = Buffer.alloc(1024, 7);
const INDEX_KEYS = 200_000;

function client(url: string): S3Client {
  return new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
}

/** Runs `OPERATIONS` calls of `call(i)` spread over the clients and their concurrency; ops/s. */
async function throughput(
  clients: S3Client[],
  call: (s3: S3Client, i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    clients.flatMap((s3) =>
      Array.from({ length: CONCURRENCY_PER_CLIENT }, async () => {
        for (let i = next++; i < OPERATIONS; i = next++) await call(s3, i);
      }),
    ),
  );
  return OPERATIONS / ((performance.now() - started) / 1000);
}

/** The floor: a server that keeps bodies in a Map and answers PutObject/GetObject minimally. */
async function startFloorServer(): Promise<{ server: Server; url: string }> {
  const objects = new Map<string, { body: Buffer; etag: string; crc32?: string }>();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'PUT') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const etag = `"${createHash('md5').update(body).digest('hex')}"`;
        const crc32 = req.headers['x-amz-checksum-crc32'] as string | undefined;
        objects.set(path, { body, etag, ...(crc32 ? { crc32 } : {}) });
        res.writeHead(200, {
          etag,
          'content-length': 0,
          ...(crc32 ? { 'x-amz-checksum-crc32': crc32 } : {}),
        });
        res.end();
      });
      return;
    }
    const object = objects.get(path);
    if (!object) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      etag: object.etag,
      'content-length': object.body.length,
      'content-type': 'binary/octet-stream',
      'last-modified': new Date().toUTCString(),
      ...(object.crc32 ? { 'x-amz-checksum-crc32': object.crc32 } : {}),
    });
    res.end(object.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function putGetRates(url: string, bucket: string): Promise<{ put: number; get: number }> {
  const clients = Array.from({ length: CLIENTS }, () => client(url));
  const run = randomUUID().slice(0, 8);
  const key = (i: number): string => `bench/${run}/${i}`;
  try {
    const put = await throughput(clients, async (s3, i) => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key(i), Body: BODY }));
    });
    const get = await throughput(clients, async (s3, i) => {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key(i) }));
      await got.Body?.transformToByteArray();
    });
    return { put, get };
  } finally {
    for (const c of clients) c.destroy();
  }
}

/** Milliseconds per 1,000-key page listing a whole index of `INDEX_KEYS` keys. */
async function listingPageMs(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'stepfleet-bench-index-'));
  const catalog = new Catalog(join(dir, 'index.sqlite'));
  try {
    catalog.insertBucket({ name: 'index', region: 'us-east-1', creationDate: new Date() });
    for (let batch = 0; batch < INDEX_KEYS; batch += 10_000) {
      catalog.transaction(() => {
        for (let i = batch; i < batch + 10_000; i++) {
          // Inserted out of order, as concurrent writers would.
          const n = (i * 7919) % INDEX_KEYS;
          catalog.putObject('index', {
            key: `results/loan-${String(n).padStart(7, '0')}.json`,
            size: 100,
            etag: '"0"',
            lastModified: new Date(),
            storageClass: 'STANDARD',
            file: 'x',
            contentType: 'application/json',
            headers: {},
            metadata: {},
          });
        }
      });
    }
    const started = performance.now();
    let pages = 0;
    let token: string | undefined;
    do {
      const page = listPage(catalog, 'index', {
        prefix: 'results/',
        ...(token ? { continuationToken: token } : {}),
      });
      token = page.nextContinuationToken;
      pages++;
    } while (token);
    return (performance.now() - started) / pages;
  } finally {
    catalog.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const bench: Bench = async () => {
  const backend = await startLocalBackend({ port: 0 });
  const floor = await startFloorServer();
  const setup = client(backend.url);
  await setup.send(new CreateBucketCommand({ Bucket: 'bench' }));
  setup.destroy();
  const local: { put: number; get: number }[] = [];
  const bare: { put: number; get: number }[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      bare.push(await putGetRates(floor.url, 'bench'));
      local.push(await putGetRates(backend.url, 'bench'));
    }
  } finally {
    floor.server.closeAllConnections();
    floor.server.close();
    await backend.close();
  }
  const figure = (op: 'put' | 'get', name: string): BenchFigure => {
    const value = median(local.map((r) => r[op]));
    const baseline = median(bare.map((r) => r[op]));
    const ratio = value / baseline;
    return {
      id: `local.s3-${op}-small`,
      what: `${name} of 1 KiB objects per second, ${CLIENTS} clients x ${CONCURRENCY_PER_CLIENT} in flight, SDK defaults; baseline: an in-memory HTTP server answering the same calls (the SDK + HTTP floor)`,
      value,
      unit: 'ops/s',
      baseline,
      ratio,
      goal: 'ratio >= 0.5',
      met: ratio >= 0.5,
    };
  };
  const pageMs = await listingPageMs();
  return [
    figure('put', 'PutObject'),
    figure('get', 'GetObject'),
    {
      id: 'local.s3-list-page',
      what: `ms per 1,000-key ListObjectsV2 page (index only), paging through ${INDEX_KEYS.toLocaleString('en')} keys written out of order`,
      value: pageMs,
      unit: 'ms',
      baseline: null,
      ratio: null,
      goal: '<= 20 ms',
      met: pageMs <= 20,
    },
  ];
};

export default bench;
