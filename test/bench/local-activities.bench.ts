/**
 * The local backend's activity path:
 * - GetActivityTask + SendTaskSuccess round trips per second on loopback, several real
 *   client-sfn clients (keep-alive agents) running concurrent poll→success loops over tasks
 *   pre-scheduled through the programmatic API. The backend runs in a worker thread (its own
 *   core); the baseline is the same clients against a bare node:http server answering canned
 *   bodies in the same thread, i.e. what the clients and HTTP alone allow.
 * - The same per CPU-second of the whole process, a figure a busy machine distorts less.
 * - Memory per completed task: heap and RSS after 10,000 and after 100,000 tasks (after GC).
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { ClientsData } from './local-activities.clients.ts';
import type { Request } from './local-activities.worker.ts';
import { type Bench, type BenchFigure, median } from './types.ts';

const CLIENT_THREADS = 2;
const CLIENTS_PER_THREAD = 2;
const LOOPS_PER_CLIENT = 4;
const TASKS_PER_RUN = 4_000;
const RUNS = 3;

/** A worker thread answering one request at a time; a crash rejects the pending request. */
class Thread<Message> {
  readonly #worker: Worker;
  #failed: Error | undefined;
  #reject: ((error: Error) => void) | undefined;

  constructor(file: string, workerData?: unknown) {
    this.#worker = new Worker(new URL(file, import.meta.url), { workerData });
    this.#worker.on('error', (error) => {
      this.#failed = error;
      this.#reject?.(error);
    });
  }

  call<T>(message: Message): Promise<T> {
    return new Promise((resolve, reject) => {
      if (this.#failed) return reject(this.#failed);
      this.#reject = reject;
      this.#worker.once('message', (reply: { ok: boolean; answer?: T; error?: string }) =>
        reply.ok ? resolve(reply.answer as T) : reject(new Error(reply.error)),
      );
      this.#worker.postMessage(message);
    });
  }

  /**
   * Sends `close` and waits for the thread to end by itself: terminating a thread that ran
   * WebAssembly (Node's type stripper) can abort the process in V8; terminate only as a fallback.
   */
  async stop(close: Message): Promise<void> {
    const exited = once(this.#worker, 'exit');
    if (!this.#failed) await this.call(close);
    const timer = setTimeout(() => void this.#worker.terminate(), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

interface Run {
  /** Round trips per second, wall clock. */
  readonly rate: number;
  /** Server thread CPU time per round trip, µs. */
  readonly serverUs: number;
  /** Round trips per CPU-second of the whole process (clients and server threads). */
  readonly perCpuSecond: number;
}

async function measure(kind: 'backend' | 'floor', clientKind: ClientsData['kind']): Promise<Run[]> {
  const server = new Thread<Request>('./local-activities.worker.ts');
  const runs: Run[] = [];
  const clients: Thread<number>[] = [];
  try {
    const { url, activityArn } = await server.call<{ url: string; activityArn: string }>({
      cmd: `start-${kind}`,
    });
    const data: ClientsData = {
      url,
      activityArn,
      clients: CLIENTS_PER_THREAD,
      loopsPerClient: LOOPS_PER_CLIENT,
      kind: clientKind,
    };
    for (let i = 0; i < CLIENT_THREADS; i++)
      clients.push(new Thread<number>('./local-activities.clients.ts', data));
    for (let run = 0; run <= RUNS; run++) {
      if (kind === 'backend') await server.call({ cmd: 'schedule', tasks: TASKS_PER_RUN });
      await server.call({ cmd: 'busy' });
      const started = performance.now();
      const cpuBefore = process.cpuUsage(); // process-wide: every thread
      await Promise.all(clients.map((c) => c.call(TASKS_PER_RUN / CLIENT_THREADS)));
      const cpu = process.cpuUsage(cpuBefore);
      const seconds = (performance.now() - started) / 1000;
      const { cpuUs } = await server.call<{ cpuUs: number }>({ cmd: 'busy' });
      if (kind === 'backend') {
        const { succeeded } = await server.call<{ succeeded: number }>({ cmd: 'settled' });
        if (succeeded !== TASKS_PER_RUN) throw new Error(`${succeeded} of ${TASKS_PER_RUN} tasks succeeded`);
      }
      // Run 0 warms up the JIT and the connections.
      if (run > 0) {
        runs.push({
          rate: TASKS_PER_RUN / seconds,
          serverUs: cpuUs / TASKS_PER_RUN,
          perCpuSecond: TASKS_PER_RUN / ((cpu.user + cpu.system) / 1e6),
        });
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.stop(0)));
    await server.stop({ cmd: 'close' });
  }
  return runs;
}

interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
}

async function memoryPerTask(): Promise<{ at10k: Memory; at100k: Memory }> {
  const thread = new Thread<Request>('./local-activities.worker.ts');
  try {
    await thread.call({ cmd: 'start-backend' });
    await thread.call({ cmd: 'churn', tasks: 10_000 });
    const at10k = await thread.call<Memory>({ cmd: 'memory' });
    await thread.call({ cmd: 'churn', tasks: 90_000 });
    const at100k = await thread.call<Memory>({ cmd: 'memory' });
    return { at10k, at100k };
  } finally {
    await thread.stop({ cmd: 'close' });
  }
}

const bench: Bench = async () => {
  const floor = await measure('floor', 'sdk');
  const backend = await measure('backend', 'sdk');
  const rawFloor = await measure('floor', 'raw');
  const raw = await measure('backend', 'raw');
  const { at10k, at100k } = await memoryPerTask();
  const rate = median(backend.map((r) => r.rate));
  const rawRate = median(raw.map((r) => r.rate));
  const rawFloorRate = median(rawFloor.map((r) => r.rate));
  const floorRate = median(floor.map((r) => r.rate));
  const serverUs = median(backend.map((r) => r.serverUs));
  const floorUs = median(floor.map((r) => r.serverUs));
  const heapPerTask = (at100k.heapUsed - at10k.heapUsed) / 90_000;
  const rssPerTask = (at100k.rss - at10k.rss) / 90_000;
  const list = (runs: Run[], pick: (r: Run) => number): string =>
    runs.map((r) => pick(r).toFixed(0)).join(', ');
  const setup = `${CLIENT_THREADS} client threads x ${CLIENTS_PER_THREAD} client-sfn clients x ${LOOPS_PER_CLIENT} loops, backend in its own thread, median of ${RUNS} runs of ${TASKS_PER_RUN}`;
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
  return [
    {
      id: 'local.activity-roundtrips',
      what: `GetActivityTask+SendTaskSuccess round trips/s, ${setup} [${list(backend, (r) => r.rate)}]; baseline: the same clients vs a bare node:http server with canned answers [${list(floor, (r) => r.rate)}]`,
      value: rate,
      unit: '/s',
      baseline: floorRate,
      ratio: rate / floorRate,
      goal: '>= 2000 /s',
      met: rate >= 2000,
    },
    {
      id: 'local.activity-roundtrips-per-cpu-second',
      what: `the SDK round trips per CPU-second of the whole process (client threads + backend thread), which a busy machine inflates less than wall-clock rates: 1,000 means 2,000/s on 2 free cores [${list(backend, (r) => r.perCpuSecond)}]; baseline: the same vs the bare server [${list(floor, (r) => r.perCpuSecond)}]`,
      value: median(backend.map((r) => r.perCpuSecond)),
      unit: '/cpu-s',
      baseline: median(floor.map((r) => r.perCpuSecond)),
      ratio: median(backend.map((r) => r.perCpuSecond)) / median(floor.map((r) => r.perCpuSecond)),
      goal: '>= 1000 /cpu-s',
      met: median(backend.map((r) => r.perCpuSecond)) >= 1000,
    },
    {
      id: 'local.activity-roundtrips-raw-http',
      what: `the same round trips through a minimal keep-alive node:http client (no SDK cost: what the server sustains) [${list(raw, (r) => r.rate)}]; baseline: that client vs the bare node:http server [${list(rawFloor, (r) => r.rate)}]`,
      value: rawRate,
      unit: '/s',
      baseline: rawFloorRate,
      ratio: rawRate / rawFloorRate,
      goal: '>= 2000 /s',
      met: rawRate >= 2000,
    },
    {
      id: 'local.activity-server-cost',
      what: `backend thread CPU time per round trip (2 requests), ${setup}; baseline: the bare node:http server's [${list(floor, (r) => r.serverUs)}] µs`,
      value: serverUs,
      unit: 'µs',
      baseline: floorUs,
      ratio: serverUs / floorUs,
      goal: '< 250 µs (>= 4000 round trips/s per core)',
      met: serverUs < 250,
    },
    {
      id: 'local.activity-heap-per-task',
      what: `heap growth per completed task between 10,000 and 100,000 tasks, after GC (${mib(at10k.heapUsed)} -> ${mib(at100k.heapUsed)} MiB)`,
      value: heapPerTask,
      unit: 'B/task',
      baseline: null,
      ratio: null,
      goal: '< 10 B/task (flat)',
      met: heapPerTask < 10,
    },
    {
      id: 'local.activity-rss-growth',
      what: `process RSS after 100,000 completed tasks vs after 10,000 (${mib(at10k.rss)} -> ${mib(at100k.rss)} MiB, ${rssPerTask.toFixed(0)} B/task; RSS also holds freed pages the allocator keeps)`,
      value: at100k.rss / at10k.rss,
      unit: 'x',
      baseline: at10k.rss,
      ratio: at100k.rss / at10k.rss,
      goal: '< 1.25 x',
      met: at100k.rss / at10k.rss < 1.25,
    },
  ] satisfies BenchFigure[];
};

export default bench;
