/**
 * `stepfleet worker` as a container runs it: handler and activity from the command line and
 * STEPFLEET_* variables, a health file that `stepfleet worker --health` checks, SIGTERM → exit 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { batchInput, fixture, startBackend, startWorker } from './helpers.ts';

const cli = new URL('../../cli/bin/stepfleet.js', import.meta.url).pathname;

async function runCli(args: string[]): Promise<{ code: number; out: string }> {
  const child = spawn(process.execPath, [cli, ...args], {
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d;
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d;
  });
  const [code] = await once(child, 'exit');
  return { code: code as number, out };
}

test('stepfleet worker: serves, is healthy through --health, exits 0 on SIGTERM', async (t) => {
  // GIVEN a worker started by the CLI, activity on the command line, health file from the environment
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 1 });
  const dir = await mkdtemp(join(tmpdir(), 'stepfleet-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const healthFile = join(dir, 'health.json');
  const worker = startWorker(
    t,
    backend,
    { STEPFLEET_HEALTH_FILE: healthFile, STEPFLEET_THREADS: '1', STEPFLEET_METRICS: 'on' },
    [cli, 'worker', fixture('behaviors.ts'), '--activity-arn', arns[0] as string],
  );

  // WHEN a task runs
  const outcome = await backend.activities.schedule(arns[0] as string, batchInput([4, 5], { mode: 'ok' }), {
    timeoutSeconds: 60,
  });
  // THEN it succeeds, and the health check passes
  assert.deepEqual(outcome.status === 'SUCCEEDED' && (JSON.parse(outcome.output) as { sum: number }).sum, 9);
  const healthy = await runCli(['worker', '--health', '--health-file', healthFile]);
  assert.equal(healthy.code, 0, healthy.out);
  assert.match(healthy.out, /^healthy: ok/);

  // WHEN SIGTERM arrives
  worker.child.kill('SIGTERM');
  // THEN it exits 0, and the health check fails from then on
  assert.equal(await worker.exited, 0, worker.stderr);
  const after = await runCli(['worker', '--health', '--health-file', healthFile]);
  assert.equal(after.code, 1, after.out);
  assert.match(after.out, /worker stopped/);
  // AND its last CloudWatch EMF line counted the task
  const emf = worker.lines.findLast((l) => l._aws !== undefined) as Record<string, unknown> | undefined;
  assert.ok(emf, 'an EMF line on stdout');
  assert.equal(emf.tasksSucceeded, 1);
  assert.equal(
    (emf._aws as { CloudWatchMetrics: { Namespace: string }[] }).CloudWatchMetrics[0]?.Namespace,
    'stepfleet/worker',
  );
});

test('stepfleet worker: a bad option is a usage error naming it', async () => {
  const noActivity = await runCli(['worker', fixture('behaviors.ts')]);
  assert.equal(noActivity.code, 2);
  assert.match(noActivity.out, /no activity: pass --activity-arn or set STEPFLEET_ACTIVITY_ARN/);
  const badThreads = await runCli([
    'worker',
    'h.ts',
    '--activity-arn',
    'arn:aws:states:us-east-1:0:activity:a',
    '--threads',
    'x',
  ]);
  assert.equal(badThreads.code, 2);
  assert.match(badThreads.out, /--threads must be an integer/);
});
