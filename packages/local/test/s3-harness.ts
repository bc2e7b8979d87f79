import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { type LocalBackend, startLocalBackend } from '../src/index.ts';

/** A local backend and an S3 client for it with the SDK's default settings (checksums included). */
export interface S3Harness {
  readonly backend: LocalBackend;
  readonly client: S3Client;
  /** Stops the client and the backend (a data directory given to {@link startS3} stays). */
  stop(): Promise<void>;
}

/** Makes a temp data dir that `cleanup` removes. */
export async function tempDataDir(): Promise<{ dataDir: string; cleanup: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'stepfleet-s3-test-'));
  return { dataDir, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
}

/**
 * Starts the local backend on a free port (on `dataDir` when given, else a temp dir it removes)
 * and creates `buckets` through the client.
 */
export async function startS3(
  options: { readonly dataDir?: string; readonly buckets?: readonly string[] } = {},
): Promise<S3Harness> {
  const { dataDir, buckets = [] } = options;
  const backend = await startLocalBackend({ port: 0, ...(dataDir ? { dataDir } : {}) });
  const client = s3Client(backend.url);
  for (const Bucket of buckets) await client.send(new CreateBucketCommand({ Bucket }));
  return {
    backend,
    client,
    async stop() {
      client.destroy();
      await backend.close();
    },
  };
}

/** A client as users configure one for the local backend: path-style, any credentials. */
export function s3Client(url: string): S3Client {
  return new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

/** Runs `call` and returns the error it rejects with (fails when it resolves). */
export async function rejectionOf(call: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await call();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail, it succeeded');
}
