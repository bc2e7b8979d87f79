/**
 * The demo job (`stepfleet run monte-carlo`, what `npm run demo` runs) at a small size, on one
 * local backend (timeScale 10: heartbeat timeouts in 3 s): the controller scales real worker
 * processes, and the portfolio result is bit-identical whatever the batch size, the fleet size,
 * and workers killed with SIGKILL mid-batch. The progress view's final numbers are
 * DescribeMapRun's, the non-TTY output is plain, and no process is left behind.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  DescribeMapRunCommand,
  ListMapRunsCommand,
  type MapRunExecutionCounts,
  type MapRunItemCounts,
} from '@aws-sdk/client-sfn';
import type { LocalBackend } from '@stepfleet/local';
import type { JobRunOptions } from '../../packages/cli/src/job-module.ts';
import monteCarlo from '../../packages/cli/src/jobs/monte-carlo.ts';
import {
  type LocalRunContext,
  type LocalRunOutcome,
  runLocalJob,
  startRunBackend,
} from '../../packages/cli/src/local-run.ts';
import type { ProgressSnapshot } from '../../packages/cli/src/progress-snapshot.ts';
import { processesTalkingTo } from './demo-processes.ts';
import { whyNotSucceeded } from './harness/explain-execution.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SMALL = { target: 'local', items: 480, size: 20_000, seed: 'e2e' } as const satisfies JobRunOptions;
const ENV = [
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'STEPFLEET_LOG_LEVEL',
];
const savedEnv = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));

let backend: LocalBackend;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepfleet-demo-e2e-'));
  backend = await startRunBackend({ port: 0, timeScale: 10 });
});

after(async () => {
  await backend?.close();
  await rm(dir, { recursive: true, force: true });
  for (const name of ENV) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
});

/** One run of the demo job; its plain output, the result file's bytes and what the hooks saw. */
async function demoRun(
  label: string,
  options: Partial<JobRunOptions>,
  onStarted?: (context: LocalRunContext) => void,
): Promise<{ outcome: LocalRunOutcome; text: string; result: string; mapRun: MapRunCounts }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk) => (text += chunk));
  let mapRun: MapRunCounts | undefined;
  const outcome = await runLocalJob({
    plan: await monteCarlo.plan({ ...SMALL, ...options }),
    backend,
    out,
    tty: false,
    refreshMs: 250,
    reconcileSeconds: 1,
    outDir: join(dir, label),
    ...(onStarted ? { onStarted } : {}),
    onFinished: async ({ clients, executionArn }) => {
      const { mapRuns } = await clients.sfn.send(new ListMapRunsCommand({ executionArn }));
      const described = await clients.sfn.send(
        new DescribeMapRunCommand({ mapRunArn: mapRuns![0]!.mapRunArn }),
      );
      mapRun = { items: described.itemCounts!, batches: described.executionCounts! };
    },
  });
  assert.equal(outcome.status, 'SUCCEEDED', `${label}: ${await whyNotSucceeded(backend, outcome, text)}`);
  const result = await readFile(join(dir, label, 'monte-carlo-result.json'), 'utf8');
  return { outcome, text, result, mapRun: mapRun! };
}

interface MapRunCounts {
  items: MapRunItemCounts;
  batches: MapRunExecutionCounts;
}

/** The snapshot's counts agree with DescribeMapRun's, field by field. */
function assertViewMatchesMapRun(snapshot: ProgressSnapshot, mapRun: MapRunCounts): void {
  for (const [view, api] of [
    [snapshot.items, mapRun.items],
    [snapshot.batches, mapRun.batches],
  ] as const) {
    assert.ok(view, 'the final view has the Map Run counts');
    for (const key of [
      'pending',
      'running',
      'succeeded',
      'failed',
      'timedOut',
      'aborted',
      'total',
    ] as const) {
      assert.equal(view[key], api[key] ?? 0, `${key}`);
    }
  }
}

/** Runs the `stepfleet` bin with this Node (and its NODE_OPTIONS); resolves with its exit and output. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const bin = join(ROOT, 'packages/cli/bin/stepfleet.js');
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error.code as number | undefined) ?? null) : 0, stdout, stderr }),
    );
  });
}

/** Waits until the worker service wants no task and runs none. */
async function fleetAtZero(): Promise<void> {
  const observations = backend.ecs.observations;
  await observations.waitFor(
    () => {
      const last = observations.samples({ service: 'monte-carlo-workers' }).at(-1);
      return last?.desiredCount === 0 && last.runningCount === 0;
    },
    // Idle workers hold scale-in protection up to 15 s after their last task, then stop: on a
    // loaded machine that, the cooldown and the stop take longer than 15 s.
    45_000,
    'the fleet back at 0',
  );
}

/** Waits until every task process the backend started has exited. */
async function allTasksStopped(): Promise<void> {
  const observations = backend.ecs.observations;
  await observations.waitFor(
    () => observations.tasks().every((t) => t.stoppedAtMs !== undefined || t.pid === undefined),
    30_000,
    'every worker process exited',
  );
}

describe('npm run demo, as a user runs it', () => {
  test('GIVEN a tiny portfolio WHEN `npm run demo` runs THEN it prints the view and the table, writes the report, exits 0 and leaves no process', async () => {
    const outDir = join(dir, 'npm-run-demo');
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      execFile(
        'npm',
        [
          'run',
          '--silent',
          'demo',
          '--',
          '--loans',
          '240',
          '--draws',
          '2000',
          '--batch',
          '60',
          '--time-scale',
          '10',
          '--out',
          outDir,
        ],
        { cwd: ROOT, timeout: 90_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error.code as number | undefined) ?? null) : 0, stdout, stderr }),
      );
    });

    assert.equal(code, 0, stderr);
    const url = /local backend on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    assert.ok(url, stdout);
    assert.match(stdout, /portfolio: 240 loans in 4 JSONL files/);
    assert.match(stdout, /· SUCCEEDED · items 4\/4 \(100%\)/);
    assert.match(stdout, /base +\$[\d.]+[KM] /, 'the risk table per scenario');
    assert.match(stdout, /report written: .*monte-carlo-report\.html/);
    assert.match(await readFile(join(outDir, 'monte-carlo-report.html'), 'utf8'), /<svg/);
    assert.match(await readFile(join(outDir, 'monte-carlo-loss-exceedance.svg'), 'utf8'), /^<\?xml/);
    assert.deepEqual(await processesTalkingTo(url), [], 'no process of the demo is left');
  });
});

describe('the demo job, end to end on the local backend', () => {
  let baseline: Awaited<ReturnType<typeof demoRun>>;

  test('GIVEN the small demo (12 batches, 2 workers) WHEN run THEN it succeeds, the fleet goes 0 → 2 → 0 and the view matches DescribeMapRun', async () => {
    baseline = await demoRun('baseline', { batchSize: 40, workers: 2 });

    const { outcome, text, mapRun } = baseline;
    assertViewMatchesMapRun(outcome.snapshot, mapRun);
    assert.equal(outcome.snapshot.batches?.succeeded, 12);
    assert.equal(outcome.snapshot.items?.total, 12, 'an item is one JSONL file of 40 loans');
    assert.deepEqual(outcome.snapshot.failures, {});
    // Plain output: lines, no escape codes, and the final line is the SUCCEEDED one.
    assert.ok(!text.includes('\x1b['), 'no ANSI codes when not a TTY');
    assert.match(
      text,
      /^\[\d+:\d\d\] · SUCCEEDED · items 12\/12 \(100%\) · batches 12 \/ 12 done, 0 running, 0 pending, 0 failed/m,
    );
    assert.match(text, /Credit portfolio stress test: 480 loans/);
    assert.match(text, /scenario +EL +95% CI/);
    // The fleet went 0 → 2 → 0 (a reconcile pass racing the ScaleDown step may hold a worker
    // for one more interval: the level-triggered loop then takes it away).
    await fleetAtZero();
    const samples = backend.ecs.observations.samples({ service: 'monte-carlo-workers' });
    assert.equal(samples[0]?.desiredCount ?? 0, 0);
    assert.equal(Math.max(...samples.map((s) => s.desiredCount)), 2);
  });

  test('GIVEN another batch size and fleet size (5 batches of 96, 1 worker) WHEN run THEN the result is bit-identical', async () => {
    const other = await demoRun('other-partition', { batchSize: 96, workers: 1 });

    assert.equal(other.outcome.snapshot.batches?.succeeded, 5);
    assertViewMatchesMapRun(other.outcome.snapshot, other.mapRun);
    assert.equal(other.result, baseline.result);
  });

  test('GIVEN workers killed with SIGKILL while they hold batches WHEN run THEN the batches are retried and the result is bit-identical', async () => {
    const killed: number[] = [];
    let stopKilling = () => {};
    const killer = (context: LocalRunContext) => {
      const batchActivity = context.deployment.resources.activityArn;
      // Every 5 ms: a worker process holding a started batch task is killed, up to 2 of them,
      // at a random moment of the run (the first one after a random delay).
      const notBefore = Date.now() + Math.random() * 500;
      const timer = setInterval(() => {
        if (killed.length >= 2 || Date.now() < notBefore) return;
        const held = backend.activities
          .stats()
          .tasks.filter((t) => t.activityArn === batchActivity && t.status === 'STARTED')
          .map((t) => t.workerName ?? '');
        const victim = backend.ecs.observations
          .tasks({ service: 'monte-carlo-workers' })
          .find(
            (t) =>
              t.pid !== undefined &&
              t.stoppedAtMs === undefined &&
              !killed.includes(t.pid) &&
              held.some((w) => w.includes(t.taskId)),
          );
        if (victim?.pid === undefined) return;
        process.kill(victim.pid, 'SIGKILL');
        killed.push(victim.pid);
      }, 5);
      stopKilling = () => clearInterval(timer);
    };
    let run: Awaited<ReturnType<typeof demoRun>>;
    try {
      run = await demoRun('killed', { batchSize: 40, workers: 3 }, killer);
    } finally {
      stopKilling();
    }

    assert.equal(killed.length, 2, 'two workers were killed while holding a batch');
    const { snapshot } = run.outcome;
    assert.ok(
      (snapshot.failures['States.HeartbeatTimeout'] ?? 0) >= 2,
      `each lost batch timed out its heartbeat and was retried: ${JSON.stringify(snapshot.failures)}`,
    );
    assert.equal(snapshot.batches?.failed, 0);
    assertViewMatchesMapRun(snapshot, run.mapRun);
    assert.match(run.text, /failures States\.HeartbeatTimeout ×\d/);
    assert.equal(run.result, baseline.result);
  });

  test('GIVEN `stepfleet run --endpoint` (a backend it does not own) WHEN run THEN the same result, and `stepfleet status` shows the finished run', async () => {
    const outDir = join(dir, 'endpoint');
    const run = await cli([
      'run',
      'monte-carlo',
      '--endpoint',
      backend.url,
      '--items',
      '480',
      '--size',
      '20000',
      '--seed',
      'e2e',
      '--batch',
      '40',
      '--workers',
      '2',
      '--time-scale',
      '10',
      '--out',
      outDir,
    ]);

    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /local backend on/, 'no backend of its own');
    assert.equal(await readFile(join(outDir, 'monte-carlo-result.json'), 'utf8'), baseline.result);
    const executionArn = /started (arn:\S+)/.exec(run.stdout)?.[1];
    assert.ok(executionArn);

    const status = await cli(['status', executionArn, '--endpoint', backend.url, '--once', '--plain']);

    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      /^\[\d+:\d\d\] · SUCCEEDED · items 12\/12 \(100%\) · batches 12 \/ 12 done, 0 running, 0 pending, 0 failed/,
    );
  });

  test('GIVEN the runs are over WHEN the fleet has scaled in THEN no worker process is left', async () => {
    await fleetAtZero();
    await allTasksStopped();
    for (const task of backend.ecs.observations.tasks()) {
      if (task.pid === undefined) continue;
      assert.throws(() => process.kill(task.pid!, 0), { code: 'ESRCH' }, `worker ${task.pid} is gone`);
    }
  });
});
