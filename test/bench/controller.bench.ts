/**
 * The fleet controller against the workshop pattern, on the local backend with real worker
 * processes (local ECS tasks running `controller.worker.ts`).
 *
 * One skewed Map Run: batches whose durations are heavy-tailed (lognormal, seeded, so both
 * variants run the very same items), MaxConcurrency 50, one slot per worker. Run twice per
 * round, side by side in this process run:
 * - baseline, the workshop pattern: the generated state machine without a controller, whose
 *   ScaleUp sets the service to 50 with `ecs:updateService` and whose ScaleDown sets it to 0;
 * - the controller: ScaleUp/ScaleDown through the controller function, plus its reconcile loop
 *   (every 250 ms, 500 ms stabilization), which shrinks the fleet as the tail drains.
 *
 * Worker-seconds come from the backend's ECS task records (each process's start to stop);
 * makespan is the execution's start to stop.
 */
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { createController, runReconcileLoop } from '@stepfleet/controller';
import { type Harness, type SleepItem, startHarness } from '../../packages/controller/test/harness.ts';
import { type Bench, type BenchFigure, median } from './types.ts';

const WORKER = ['node', `${import.meta.dirname}/controller.worker.ts`];
const WORKERS = 50;
const BATCHES = 300;
const ROUNDS = 2;
/** Lognormal batch durations: median 400 ms, sigma 1.25, capped at 10 s. */
const MEDIAN_MS = 400;
const SIGMA = 1.25;
const CAP_MS = 10_000;

/** mulberry32: a small seeded PRNG, so every run draws the same durations. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The batches' durations, one item per batch. */
function skewedItems(): SleepItem[] {
  const random = seeded(42);
  return Array.from({ length: BATCHES }, () => {
    // Box-Muller: a standard normal from two uniforms.
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return { ms: Math.min(CAP_MS, Math.round(MEDIAN_MS * Math.exp(SIGMA * z))) };
  });
}

interface RunFigures {
  readonly workerSeconds: number;
  readonly makespanSeconds: number;
  readonly peakWorkers: number;
}

async function runOnce(
  harness: Harness,
  name: string,
  items: SleepItem[],
  controlled: boolean,
): Promise<RunFigures> {
  const job = await harness.deploy(
    {
      name,
      batching: { maxItems: 1 },
      activity: { timeoutSeconds: 120, heartbeatSeconds: 60 },
      worker: { threads: 1, cpu: 256, stopTimeoutSeconds: 10 },
      fleet: { maxWorkers: WORKERS },
    },
    items,
    { controller: controlled, workerCommand: WORKER },
  );
  const stop = new AbortController();
  const loop = controlled
    ? runReconcileLoop(
        createController({ sfn: harness.sfn, ecs: harness.ecs, fleets: [job.fleet], scaleInCooldownMs: 500 }),
        { intervalMs: 250, signal: stop.signal },
      )
    : Promise.resolve();
  try {
    const executionArn = await harness.start(job.stateMachineArn);
    const execution = await harness.finished(executionArn, 120_000);
    if (execution.status !== 'SUCCEEDED') throw new Error(`${name}: ${execution.status} ${execution.cause}`);
    const described = await harness.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const observations = harness.backend.ecs.observations;
    await observations.waitFor(
      () => observations.tasks({ service: job.service }).every((t) => t.stoppedAtMs !== undefined),
      30_000,
      `every worker of ${name} stopped`,
    );
    const tasks = observations.tasks({ service: job.service });
    const workerMs = tasks.reduce(
      (sum, t) => sum + ((t.stoppedAtMs ?? 0) - (t.startedAtMs ?? t.stoppedAtMs ?? 0)),
      0,
    );
    return {
      workerSeconds: workerMs / 1000,
      makespanSeconds: (described.stopDate!.getTime() - described.startDate!.getTime()) / 1000,
      peakWorkers: Math.max(...observations.samples({ service: job.service }).map((s) => s.runningCount)),
    };
  } finally {
    stop.abort();
    await loop;
  }
}

const bench: Bench = async () => {
  const saved = {
    STEPFLEET_SCALE_IN_COOLDOWN_SECONDS: process.env.STEPFLEET_SCALE_IN_COOLDOWN_SECONDS,
    STEPFLEET_LOG_LEVEL: process.env.STEPFLEET_LOG_LEVEL,
  };
  // The controller function (a module of this process) reads its settings on first use; its
  // decisions are not the bench's output.
  process.env.STEPFLEET_SCALE_IN_COOLDOWN_SECONDS = '0.5';
  process.env.STEPFLEET_LOG_LEVEL ??= 'warn';
  const harness = await startHarness({ recentTaskLimit: 10_000 });
  const items = skewedItems();
  const fixed: RunFigures[] = [];
  const controlled: RunFigures[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so neither always runs on a warmer machine.
      const order = round % 2 === 0 ? [false, true] : [true, false];
      for (const withController of order) {
        const figures = await runOnce(
          harness,
          `bench-${withController ? 'controller' : 'fixed'}-${round}`,
          items,
          withController,
        );
        (withController ? controlled : fixed).push(figures);
        process.stderr.write(
          `  ${withController ? 'controller' : 'fixed 50 '} round ${round}: ${figures.workerSeconds.toFixed(1)} worker-s, ` +
            `makespan ${figures.makespanSeconds.toFixed(2)} s, peak ${figures.peakWorkers} workers\n`,
        );
      }
    }
  } finally {
    await harness.close();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  const workSeconds = items.reduce((sum, item) => sum + item.ms, 0) / 1000;
  const ws = median(controlled.map((r) => r.workerSeconds));
  const wsBase = median(fixed.map((r) => r.workerSeconds));
  const ms = median(controlled.map((r) => r.makespanSeconds));
  const msBase = median(fixed.map((r) => r.makespanSeconds));
  const what = `${BATCHES} batches, lognormal durations (median ${MEDIAN_MS} ms, sigma ${SIGMA}, ${workSeconds.toFixed(0)} s of work), MaxConcurrency ${WORKERS}; median of ${ROUNDS} runs each`;
  const figures: BenchFigure[] = [
    {
      id: 'controller.worker-seconds',
      what: `worker-seconds (ECS task start to stop) with the controller vs a fixed fleet of ${WORKERS} scaled 50 → 0 around the map; ${what}`,
      value: ws,
      unit: 'worker-s',
      baseline: wsBase,
      ratio: ws / wsBase,
      goal: 'ratio <= 0.6',
      met: ws / wsBase <= 0.6,
    },
    {
      id: 'controller.makespan',
      what: `execution start to stop with the controller vs the fixed fleet; ${what}`,
      value: ms,
      unit: 's',
      baseline: msBase,
      ratio: ms / msBase,
      goal: 'ratio <= 1.05',
      met: ms / msBase <= 1.05,
    },
  ];
  return figures;
};

export default bench;
