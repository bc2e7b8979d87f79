/**
 * What must hold 1, 6 and 7: 10,000 tasks through several worker processes each complete
 * exactly once; with 30 % throttling on every Step Functions call all complete, none twice;
 * with responses dropped after SendTaskSuccess took effect, no crash and no duplicate run.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  batchInput,
  finalReport,
  fixture,
  startBackend,
  startWorker,
  type WorkerProcess,
} from './helpers.ts';

async function tempFile(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stepfleet-worker-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'runs.txt');
}

/** What the workers said at warn level and above (a crashed thread's error), for a failure message. */
function workerTrouble(workers: readonly WorkerProcess[]): string {
  return workers
    .flatMap((w) => [
      ...w.lines
        .filter((line) => typeof line.level === 'number' && line.level >= 40)
        .map((l) => JSON.stringify(l)),
      ...(w.stderr ? [w.stderr] : []),
    ])
    .join('\n')
    .slice(0, 8000);
}

/** Lines of the record file, each a task's item ids. */
async function recordedRuns(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).split('\n').filter(Boolean);
}

test('10,000 tasks through three worker processes: each completed exactly once', async (t) => {
  // GIVEN three worker processes with two threads and 8 tasks per thread each
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 1 });
  const arn = arns[0] as string;
  const record = await tempFile(t);
  const workers = [0, 1, 2].map(() =>
    startWorker(t, backend, {
      STEPFLEET_ACTIVITY_ARN: arn,
      STEPFLEET_HANDLER: fixture('record.ts'),
      STEPFLEET_THREADS: '2',
      STEPFLEET_TASKS_PER_THREAD: '8',
    }),
  );

  // WHEN 10,000 tasks are scheduled at once
  const total = 10_000;
  const outcomes = await Promise.all(
    Array.from({ length: total }, (_, i) =>
      backend.activities.schedule(arn, batchInput([i], { recordFile: record }), { timeoutSeconds: 300 }),
    ),
  );

  // THEN every task succeeded with its own items
  const failed = outcomes.filter((o) => o.status !== 'SUCCEEDED');
  assert.deepEqual(failed.slice(0, 3), [], workerTrouble(workers));
  outcomes.forEach((o, i) => {
    assert.deepEqual(o.status === 'SUCCEEDED' && JSON.parse(o.output).ids, [i]);
  });
  // AND each ran exactly once
  const runs = await recordedRuns(record);
  assert.equal(runs.length, total);
  assert.equal(new Set(runs).size, total);
  // AND every worker took part, drains on SIGTERM and exits 0, counting the same total
  for (const w of workers) w.child.kill('SIGTERM');
  const codes = await Promise.all(workers.map((w) => w.exited));
  assert.deepEqual(codes, [0, 0, 0]);
  const started = workers.map((w) => finalReport(w)?.metrics.tasksStarted ?? -1);
  assert.ok(
    started.every((n) => n > 0),
    `every worker took tasks: ${started}`,
  );
  assert.equal(
    started.reduce((a, b) => a + b, 0),
    total,
  );
  const stats = backend.activities.stats();
  assert.equal(stats.counts.succeeded, total);
  assert.equal(stats.counts.lostToClosedPolls, 0);
});

test('30 % throttling on every Step Functions call: all tasks complete, none twice', async (t) => {
  // GIVEN every Step Functions call throttled 30 % of the time
  const { backend, arns } = await startBackend(t, {
    activityPollSeconds: 1,
    faults: [{ service: 'states', throttleRate: 0.3 }],
  });
  const arn = arns[0] as string;
  const record = await tempFile(t);
  const worker = startWorker(t, backend, {
    STEPFLEET_ACTIVITY_ARN: arn,
    STEPFLEET_HANDLER: fixture('record.ts'),
    STEPFLEET_THREADS: '2',
    STEPFLEET_TASKS_PER_THREAD: '4',
  });

  // WHEN 300 tasks run, every 20th for 2 s so that heartbeats (throttled too) keep it alive
  const total = 300;
  const outcomes = await Promise.all(
    Array.from({ length: total }, (_, i) =>
      backend.activities.schedule(
        arn,
        batchInput([i], { recordFile: record, ms: i % 20 === 0 ? 2000 : 20 }, { heartbeatSeconds: 3 }),
        { timeoutSeconds: 120, heartbeatSeconds: 3 },
      ),
    ),
  );

  // THEN all succeeded, each ran once, and throttling really happened on every kind of call
  assert.deepEqual(outcomes.filter((o) => o.status !== 'SUCCEEDED').slice(0, 3), [], workerTrouble([worker]));
  const runs = await recordedRuns(record);
  assert.equal(runs.length, total);
  assert.equal(new Set(runs).size, total);
  const throttled = backend.faults.counts.throttled;
  for (const op of ['GetActivityTask', 'SendTaskSuccess', 'SendTaskHeartbeat']) {
    assert.ok((throttled[`states.${op}`] ?? 0) > 0, `${op} throttled: ${JSON.stringify(throttled)}`);
  }
  assert.equal(backend.activities.stats().counts.heartbeatTimedOut, 0);
  worker.child.kill('SIGTERM');
  assert.equal(await worker.exited, 0);
  assert.ok((finalReport(worker)?.metrics.throttles ?? 0) > 0);
});

test('responses dropped after SendTaskSuccess took effect: no crash, no duplicate run', async (t) => {
  // GIVEN 40 % of SendTaskSuccess responses dropped after the call took effect
  const { backend, arns } = await startBackend(t, {
    activityPollSeconds: 1,
    faults: [{ service: 'states', operation: 'SendTaskSuccess', dropRate: 0.4 }],
  });
  const arn = arns[0] as string;
  const record = await tempFile(t);
  const worker = startWorker(t, backend, {
    STEPFLEET_ACTIVITY_ARN: arn,
    STEPFLEET_HANDLER: fixture('record.ts'),
    STEPFLEET_THREADS: '2',
    STEPFLEET_TASKS_PER_THREAD: '4',
  });

  // WHEN 200 tasks run
  const total = 200;
  const outcomes = await Promise.all(
    Array.from({ length: total }, (_, i) =>
      backend.activities.schedule(arn, batchInput([i], { recordFile: record }), { timeoutSeconds: 120 }),
    ),
  );

  // THEN the first SendTaskSuccess of each counted, each task ran once, the worker lives on
  assert.deepEqual(outcomes.filter((o) => o.status !== 'SUCCEEDED').slice(0, 3), [], workerTrouble([worker]));
  assert.ok((backend.faults.counts.dropped['states.SendTaskSuccess'] ?? 0) > 20);
  const runs = await recordedRuns(record);
  assert.equal(runs.length, total);
  assert.equal(new Set(runs).size, total);
  assert.equal(worker.child.exitCode, null);
  worker.child.kill('SIGTERM');
  assert.equal(await worker.exited, 0);
  assert.equal(finalReport(worker)?.metrics.tasksStarted, total);
});
