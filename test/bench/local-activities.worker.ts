/**
 * The server side of local-activities.bench.ts, in its own thread so the backend and the SDK
 * clients each get a core: either the real local backend with N tasks pre-scheduled through
 * the programmatic API, or the floor (a bare node:http server answering the same two calls
 * with canned bodies: what any server costs the same clients).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { type ActivityOutcome, type LocalBackend, startLocalBackend } from '@stepfleet/local';

/** Messages from the bench to this thread, and the answers. */
export type Request =
  | { readonly cmd: 'start-backend' }
  | { readonly cmd: 'start-floor' }
  | { readonly cmd: 'schedule'; readonly tasks: number }
  | { readonly cmd: 'settled' }
  | { readonly cmd: 'memory' }
  | { readonly cmd: 'churn'; readonly tasks: number }
  | { readonly cmd: 'busy' }
  | { readonly cmd: 'close' };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let backend: LocalBackend | undefined;
let activityArn = '';
let outcomes: Promise<ActivityOutcome>[] = [];
let closeFloor: (() => void) | undefined;
let lastCpu = process.threadCpuUsage();

async function handle(request: Request): Promise<unknown> {
  switch (request.cmd) {
    case 'start-backend': {
      backend = await startLocalBackend({ port: 0, recentTaskLimit: 0 });
      activityArn = backend.activities.create(backend.region, backend.accountId, 'bench').activityArn;
      return { url: backend.url, activityArn };
    }
    case 'start-floor': {
      const task = JSON.stringify({ taskToken: 'x'.repeat(43), input: '{"i":1}' });
      const server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          const body = String(req.headers['x-amz-target']).endsWith('GetActivityTask') ? task : '{}';
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': body.length });
          res.end(body);
        });
      });
      server.keepAliveTimeout = 65_000;
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      closeFloor = () => {
        server.close();
        server.closeAllConnections();
      };
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, activityArn: 'floor' };
    }
    case 'schedule': {
      for (let i = 0; i < request.tasks; i++) {
        outcomes.push(backend!.activities.schedule(activityArn, `{"i":${i}}`, { heartbeatSeconds: 600 }));
      }
      return { scheduled: request.tasks };
    }
    case 'settled': {
      const settled = await Promise.all(outcomes);
      outcomes = [];
      return { succeeded: settled.filter((o) => o.status === 'SUCCEEDED').length };
    }
    case 'memory': {
      gc();
      gc();
      const { rss, heapUsed } = process.memoryUsage();
      return { rss, heapUsed, stats: { ...backend!.activities.stats(), tasks: [] } };
    }
    case 'churn': {
      // The same store path as the wire calls, without HTTP: schedule, poll, succeed.
      const store = backend!.activities;
      for (let done = 0; done < request.tasks; done += 1000) {
        const batch: Promise<ActivityOutcome>[] = [];
        for (let i = 0; i < 1000; i++) {
          batch.push(store.schedule(activityArn, '{"i":1}', { heartbeatSeconds: 600, timeoutSeconds: 3600 }));
        }
        for (let i = 0; i < 1000; i++) {
          const task = await store.poll(activityArn, 'churn');
          store.heartbeat(task!.taskToken);
          store.succeed(task!.taskToken, '{"ok":true}');
        }
        await Promise.all(batch);
      }
      return { churned: request.tasks };
    }
    case 'busy': {
      // CPU time of this thread alone since the last call: the server's cost, which other
      // load on the machine does not inflate the way wall-clock busy time would be.
      const used = process.threadCpuUsage(lastCpu);
      lastCpu = process.threadCpuUsage();
      return { cpuUs: used.user + used.system };
    }
    case 'close': {
      closeFloor?.();
      await backend?.close();
      // Let the thread end once the answer is sent.
      setImmediate(() => parentPort!.close());
      return { closed: true };
    }
  }
}

parentPort!.on('message', (request: Request) => {
  handle(request).then(
    (answer) => parentPort!.postMessage({ ok: true, answer }),
    (error: unknown) =>
      parentPort!.postMessage({ ok: false, error: String((error as Error).stack ?? error) }),
  );
});
