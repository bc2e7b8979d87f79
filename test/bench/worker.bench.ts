/**
 * The worker SDK's figures (`npm run bench worker`), each against a baseline run in the same
 * process run, on the local backend over loopback:
 * - I/O-bound items (get an S3 object, transform, put the result; 20 ms added to every S3 call):
 *   one stepfleet worker process vs a sequential loop in the style of the workshop's worker.
 * - CPU scaling: a Monte Carlo kernel on N threads vs N × its one-thread rate.
 * - Dispatch overhead: no-op tasks/s vs `step-function-worker` (npm) and a plain sequential loop.
 * - Memory: the worker's heap after a full GC, late vs early, over many no-op tasks.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateActivityCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type LocalBackend, startLocalBackend } from '@stepfleet/local';
import { type Bench, type BenchFigure, median } from './types.ts';

const benchDir = new URL('../../packages/worker/test/bench/', import.meta.url);
const script = (name: string): string => new URL(name, benchDir).pathname;
const credentials = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' };

interface Proc {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  stop(): Promise<void>;
}

function start(backend: LocalBackend, argv: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, argv, {
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: backend.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      STEPFLEET_METRICS: 'off',
      STEPFLEET_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) {
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>);
      } catch {
        // not JSON: ignore
      }
    }
  });
  const exited = once(child, 'exit');
  return {
    child,
    lines,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function withBackend<T>(fn: (backend: LocalBackend, arn: string) => Promise<T>): Promise<T> {
  const backend = await startLocalBackend({ port: 0, activityPollSeconds: 2 });
  const sfn = new SFNClient({ endpoint: backend.url, region: 'us-east-1', credentials });
  try {
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'bench' }));
    return await fn(backend, activityArn as string);
  } finally {
    sfn.destroy();
    await backend.close();
  }
}

/** Schedules every input at once and resolves with the wall time until all succeeded. */
async function timeTasks(backend: LocalBackend, arn: string, inputs: readonly string[]): Promise<number> {
  const started = performance.now();
  const outcomes = await Promise.all(
    inputs.map((input) => backend.activities.schedule(arn, input, { timeoutSeconds: 3_600 })),
  );
  const ms = performance.now() - started;
  const failed = outcomes.find((o) => o.status !== 'SUCCEEDED');
  if (failed) throw new Error(`a bench task did not succeed: ${JSON.stringify(failed).slice(0, 500)}`);
  return ms;
}

/** CPU time (user + system, all threads) a process has used so far, in ms; null off Linux. */
function cpuMsOf(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
const CLOCK_TICKS_PER_SECOND = 100;

/** A throughput measurement: units per second, and the process's CPU ms per unit. */
interface Rate {
  readonly perSecond: number;
  readonly cpuMsPerUnit: number | null;
}

/** Runs `warmup` tasks (process start, JIT, threads) then times `inputs`; stops the process. */
async function rate(
  backend: LocalBackend,
  arn: string,
  proc: Proc,
  warmup: readonly string[],
  inputs: readonly string[],
  units: number,
): Promise<Rate> {
  try {
    await timeTasks(backend, arn, warmup);
    const cpuBefore = cpuMsOf(proc.child.pid);
    const ms = await timeTasks(backend, arn, inputs);
    const cpuAfter = cpuMsOf(proc.child.pid);
    return {
      perSecond: units / (ms / 1000),
      cpuMsPerUnit: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / units,
    };
  } finally {
    await proc.stop();
  }
}

const workerEnv = (
  arn: string,
  handler: string,
  extra: Record<string, string> = {},
): Record<string, string> => ({
  STEPFLEET_ACTIVITY_ARN: arn,
  STEPFLEET_HANDLER: script(handler),
  ...extra,
});

async function ioBound(): Promise<BenchFigure> {
  return withBackend(async (backend, arn) => {
    const s3 = new S3Client({
      endpoint: backend.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials,
    });
    const objects = 3_000;
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    for (let i = 0; i < objects; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          s3.send(
            new PutObjectCommand({
              Bucket: 'bench',
              Key: `in/${i + j}.txt`,
              Body: `object ${i + j} `.repeat(64),
            }),
          ),
        ),
      );
    }
    s3.destroy();
    backend.faults.set([{ service: 's3', latencyMs: 20 }]);
    const batches = (from: number, count: number, size: number): string[] =>
      Array.from({ length: count }, (_, b) =>
        JSON.stringify({
          Items: Array.from({ length: size }, (_, k) => ({ Key: `in/${from + b * size + k}.txt` })),
        }),
      );
    const env = { STEPFLEET_DATA_BUCKET: 'bench' };
    const loop = start(backend, [script('sequential-loop.ts')], {
      ...env,
      STEPFLEET_ACTIVITY_ARN: arn,
      BENCH_MODE: 's3',
    });
    const baseline = (await rate(backend, arn, loop, batches(0, 1, 10), batches(10, 12, 10), 120)).perSecond;
    const worker = start(backend, [script('../fixtures/run-worker.ts')], {
      ...workerEnv(arn, 's3-transform.ts', env),
      STEPFLEET_THREADS: '2',
      STEPFLEET_TASKS_PER_THREAD: '4',
    });
    const value = (await rate(backend, arn, worker, batches(200, 4, 50), batches(400, 52, 50), 2_600))
      .perSecond;
    const ratio = value / baseline;
    return {
      id: 'worker.io-bound-items',
      what: 'items/s of one worker process (2 threads × 4 tasks, 32 items in flight per task) getting, transforming and putting S3 objects with 20 ms added per S3 call, vs a sequential loop',
      value,
      unit: 'items/s',
      baseline,
      ratio,
      goal: 'ratio >= 20',
      met: ratio >= 20,
    };
  });
}

async function cpuScaling(): Promise<BenchFigure[]> {
  const threads = availableParallelism();
  const draws = 400_000;
  const input = (i: number): string => JSON.stringify({ Items: [i], BatchInput: { draws } });
  const tasks = (n: number, from: number): string[] => Array.from({ length: n }, (_, i) => input(from + i));
  const perThread = 8;
  const run = (n: number): Promise<Rate> =>
    withBackend(async (backend, arn) => {
      const proc = start(backend, [script('../fixtures/run-worker.ts')], {
        ...workerEnv(arn, 'monte-carlo.ts'),
        STEPFLEET_THREADS: String(n),
      });
      return rate(backend, arn, proc, tasks(n * 2, 0), tasks(n * perThread, 100), n * perThread);
    });
  // Interleaved, so a burst of load from elsewhere on the machine hits both sides alike.
  const ones: Rate[] = [];
  const manys: Rate[] = [];
  for (let round = 0; round < 3; round++) {
    ones.push(await run(1));
    manys.push(await run(threads));
  }
  const one = median(ones.map((r) => r.perSecond));
  const many = median(manys.map((r) => r.perSecond));
  const ratio = many / (threads * one);
  const cpuPerTask = (rs: Rate[]): number | null => {
    const values = rs.map((r) => r.cpuMsPerUnit).filter((v): v is number => v !== null);
    return values.length ? median(values) : null;
  };
  const cpuOne = cpuPerTask(ones);
  const cpuMany = cpuPerTask(manys);
  const figures: BenchFigure[] = [
    {
      id: 'worker.cpu-scaling',
      what: `Monte Carlo tasks/s on ${threads} threads vs ${threads} × the one-thread rate (${draws} draws per task, median of 3 interleaved runs each; wall clock, so load from other processes on the machine lowers it: load average ${loadavg()[0]?.toFixed(1)} at the end)`,
      value: many,
      unit: 'tasks/s',
      baseline: threads * one,
      ratio,
      goal: 'ratio >= 0.90',
      met: ratio >= 0.9,
    },
  ];
  if (cpuOne !== null && cpuMany !== null) {
    figures.push({
      id: 'worker.cpu-scaling-cpu-cost',
      what: `process CPU per Monte Carlo task on one thread vs on ${threads} (one-thread cost / ${threads}-thread cost: 1 means threads add no overhead; independent of other load)`,
      value: cpuMany,
      unit: 'CPU ms/task',
      baseline: cpuOne,
      ratio: cpuOne / cpuMany,
      goal: 'ratio >= 0.90',
      met: cpuOne / cpuMany >= 0.9,
    });
  }
  return figures;
}

async function dispatch(): Promise<BenchFigure[]> {
  const noop = (n: number): string[] => Array.from({ length: n }, (_, i) => JSON.stringify({ i }));
  const slots = 16;
  const measure = (argv: string[], env: Record<string, string>, tasks: number): Promise<Rate> =>
    withBackend((backend, arn) =>
      rate(
        backend,
        arn,
        start(backend, argv, { STEPFLEET_ACTIVITY_ARN: arn, ...env }),
        noop(100),
        noop(tasks),
        tasks,
      ),
    );
  const stepfleet = (transport: 'direct' | 'sdk', tasks: number): Promise<Rate> =>
    measure(
      [script('../fixtures/run-worker.ts')],
      {
        STEPFLEET_HANDLER: script('noop.ts'),
        STEPFLEET_THREADS: '2',
        STEPFLEET_TASKS_PER_THREAD: String(slots / 2),
        STEPFLEET_SFN_TRANSPORT: transport,
      },
      tasks,
    );
  const variants = {
    ours: () => stepfleet('direct', 3_000),
    oursSdk: () => stepfleet('sdk', 1_500),
    sfw: () => measure([script('sfw-runner.ts')], { BENCH_CONCURRENCY: String(slots) }, 1_500),
    sfwDefault: () => measure([script('sfw-runner.ts')], { BENCH_CONCURRENCY: '1' }, 600),
    loop: () => measure([script('sequential-loop.ts')], { BENCH_MODE: 'noop' }, 1_500),
  };
  type Variant = keyof typeof variants;
  // Interleaved rounds, medians: the machine is shared, and load comes in bursts.
  const results = Object.fromEntries(Object.keys(variants).map((name) => [name, [] as Rate[]])) as Record<
    Variant,
    Rate[]
  >;
  for (let round = 0; round < 3; round++) {
    for (const name of Object.keys(variants) as Variant[]) results[name].push(await variants[name]());
  }
  const perSecond = (name: Variant): number => median(results[name].map((r) => r.perSecond));
  const cpu = (name: Variant): string => {
    const values = results[name].map((r) => r.cpuMsPerUnit).filter((v): v is number => v !== null);
    return values.length ? `${median(values).toFixed(2)} ms` : 'n/a';
  };
  const ours = perSecond('ours');
  const figure = (
    id: string,
    what: string,
    baseline: number,
    goal: string,
    met: (r: number) => boolean,
  ): BenchFigure => ({
    id,
    what,
    value: ours,
    unit: 'tasks/s',
    baseline,
    ratio: ours / baseline,
    goal,
    met: met(ours / baseline),
  });
  const cpuNote = `process CPU per task: stepfleet ${cpu('ours')} (through the SDK client: ${cpu('oursSdk')}), step-function-worker ${cpu('sfw')}, loop ${cpu('loop')}; median of 3 interleaved rounds`;
  return [
    figure(
      'worker.dispatch-vs-step-function-worker',
      `no-op tasks/s of one stepfleet worker process (${slots} slots) vs step-function-worker (npm, aws-sdk v2) at the same concurrency ${slots} (${cpuNote})`,
      perSecond('sfw'),
      'ratio >= 3',
      (r) => r >= 3,
    ),
    figure(
      'worker.dispatch-vs-step-function-worker-default',
      'the same vs step-function-worker at its default concurrency (1)',
      perSecond('sfwDefault'),
      'ratio >= 3',
      (r) => r >= 3,
    ),
    figure(
      'worker.dispatch-direct-vs-sdk-transport',
      'the same vs the same worker sending its activity calls through an SFNClient (sfnTransport sdk)',
      perSecond('oursSdk'),
      'ratio > 1',
      (r) => r > 1,
    ),
    figure(
      'worker.dispatch-vs-sequential-loop',
      'the same vs a plain sequential GetActivityTask/SendTaskSuccess loop (aws-sdk v3)',
      perSecond('loop'),
      'ratio > 1',
      (r) => r > 1,
    ),
  ];
}

async function memory(): Promise<BenchFigure> {
  const total = Number(process.env.BENCH_WORKER_MEMORY_TASKS ?? 100_000);
  return withBackend(async (backend, arn) => {
    const proc = start(backend, ['--expose-gc', script('memory-runner.ts')], {
      ...workerEnv(arn, 'noop.ts'),
      STEPFLEET_THREADS: '2',
      STEPFLEET_TASKS_PER_THREAD: '8',
      BENCH_MEMORY_MS: '500',
    });
    try {
      const chunk = 2_000;
      for (let done = 0; done < total; done += chunk) {
        await timeTasks(
          backend,
          arn,
          Array.from({ length: chunk }, (_, i) => JSON.stringify({ i: done + i })),
        );
      }
      await new Promise((r) => setTimeout(r, 1_200));
    } finally {
      await proc.stop();
    }
    const samples = proc.lines
      .filter((l) => l.memory !== undefined)
      .map((l) => ({ heap: (l.memory as { heapUsed: number }).heapUsed, tasks: l.tasks as number }));
    const early = samples.filter((s) => s.tasks >= total * 0.1 && s.tasks <= total * 0.3).map((s) => s.heap);
    const late = samples.filter((s) => s.tasks >= total * 0.8).map((s) => s.heap);
    const ratio = median(late) / median(early);
    return {
      id: 'worker.memory-flat',
      what: `heap after full GC of one worker process, after 80-100 % vs 10-30 % of ${total} no-op tasks (late / early)`,
      value: median(late) / 1e6,
      unit: 'MB',
      baseline: median(early) / 1e6,
      ratio,
      goal: 'ratio <= 1.2',
      met: ratio <= 1.2,
    };
  });
}

/**
 * Every figure; `BENCH_WORKER_PARTS=io,cpu,dispatch,memory` picks some (all by default) and
 * `BENCH_WORKER_MEMORY_TASKS` sets the memory run's length (default 100,000).
 */
const bench: Bench = async () => {
  const parts = new Set((process.env.BENCH_WORKER_PARTS ?? 'io,cpu,dispatch,memory').split(','));
  const figures: BenchFigure[] = [];
  if (parts.has('io')) figures.push(await ioBound());
  if (parts.has('cpu')) figures.push(...(await cpuScaling()));
  if (parts.has('dispatch')) figures.push(...(await dispatch()));
  if (parts.has('memory')) figures.push(await memory());
  return figures;
};

export default bench;
