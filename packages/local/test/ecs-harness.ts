import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ECSClient } from '@aws-sdk/client-ecs';
import { createClock } from '../src/clock.ts';
import { createEcsService, type EcsService } from '../src/ecs/index.ts';
import { FaultInjector } from '../src/faults.ts';
import { createRouter } from '../src/http-router.ts';

/** The fixture task script, run by `node`. */
export const TASK_SCRIPT = join(import.meta.dirname, 'fixtures', 'ecs-task.mjs');

/** A local ECS on an HTTP server, with a real ECS client pointed at it. */
export interface EcsHarness {
  readonly url: string;
  readonly ecs: EcsService;
  readonly client: ECSClient;
  readonly dataDir: string;
}

/** Starts the local ECS on 127.0.0.1 (port 0); everything is closed and removed after the test. */
export async function startEcs(t: TestContext, options: { timeScale?: number } = {}): Promise<EcsHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'stepfleet-ecs-'));
  let url = '';
  const ecs = createEcsService({
    dataDir,
    clock: createClock(options.timeScale ?? 1),
    accountId: '000000000000',
    region: 'us-east-1',
    agentBaseUrl: () => url,
  });
  const server = createServer(
    createRouter({
      jsonServices: [ecs.service],
      extraRoutes: [ecs.agentRoute],
      rest: {
        serviceName: 's3',
        operationOf: () => 'Unsupported',
        async handle(_req, res) {
          res.writeHead(404).end();
        },
        writeError(res, error) {
          res.writeHead(error.statusCode).end(error.code);
        },
      },
      faults: new FaultInjector(),
      accountId: '000000000000',
      defaultRegion: 'us-east-1',
      maxJsonBodyBytes: 1024 * 1024,
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new ECSClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  t.after(async () => {
    client.destroy();
    await ecs.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dataDir, { recursive: true, force: true });
  });
  return { url, ecs, client, dataDir };
}

/** Whether a process with this pid exists (signal 0 probes without signalling). */
export function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
