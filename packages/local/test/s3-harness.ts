import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { FaultInjector } from '../src/faults.ts';
import { createRouter } from '../src/http-router.ts';
import { createS3Service } from '../src/s3/index.ts';
import type { S3Service } from '../src/s3/types.ts';

/** An S3 service behind a real HTTP server on loopback, and a client for it. */
export interface S3Harness {
  readonly url: string;
  readonly dataDir: string;
  readonly s3: S3Service;
  readonly faults: FaultInjector;
  readonly client: S3Client;
  /** Stops the server and the service (the data directory stays). */
  stop(): Promise<void>;
}

/** Makes a temp data dir that `cleanup` removes. */
export async function tempDataDir(): Promise<{ dataDir: string; cleanup: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'stepfleet-s3-test-'));
  return { dataDir, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
}

/** Starts the S3 service on `dataDir` behind the backend's router. */
export async function startS3(dataDir: string): Promise<S3Harness> {
  const s3 = createS3Service({ dataDir });
  const faults = new FaultInjector();
  const server = createServer(
    createRouter({
      jsonServices: [],
      rest: s3.rest,
      extraRoutes: [],
      faults,
      accountId: '000000000000',
      defaultRegion: 'us-east-1',
      maxJsonBodyBytes: 1 << 20,
      onError: (error, where) => console.error(where, error),
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    url,
    dataDir,
    s3,
    faults,
    client,
    async stop() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await s3.close();
    },
  };
}
