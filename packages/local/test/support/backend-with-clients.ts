/**
 * Test support (not part of the published API; imported as `@stepfleet/local/test-support`): a
 * local backend on a free port with real SDK clients for it, the buckets a test needs, and
 * `process.env` set as Lambda's or a container's would be (endpoint, region, credentials), since
 * local functions and worker threads build their clients from the environment, as on AWS.
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type LocalBackend, type LocalBackendOptions, startLocalBackend } from '../../src/index.ts';

/** A backend with clients for it; `close()` in `after`. */
export interface BackendWithClients {
  readonly backend: LocalBackend;
  readonly sfn: SFNClient;
  readonly ecs: ECSClient;
  readonly s3: S3Client;
  /** Endpoint, region and credentials (set in `process.env` until `close()`). */
  readonly env: Readonly<Record<string, string>>;
  /** Closes the clients and the backend, and restores `process.env`. */
  close(): Promise<void>;
}

/** Starts a backend (`options`, on a free port, 1 s activity polls) and creates `buckets`. */
export async function startBackendWithClients(
  options: LocalBackendOptions = {},
  buckets: readonly string[] = [],
): Promise<BackendWithClients> {
  const backend = await startLocalBackend({ port: 0, activityPollSeconds: 1, ...options });
  const env = {
    AWS_ENDPOINT_URL: backend.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  const client = {
    endpoint: backend.url,
    region: env.AWS_REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  };
  const sfn = new SFNClient(client);
  const ecs = new ECSClient(client);
  const s3 = new S3Client({ ...client, forcePathStyle: true });
  for (const Bucket of buckets) await s3.send(new CreateBucketCommand({ Bucket }));
  return {
    backend,
    sfn,
    ecs,
    s3,
    env,
    async close() {
      sfn.destroy();
      ecs.destroy();
      s3.destroy();
      await backend.close();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
}
