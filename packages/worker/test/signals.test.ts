/**
 * What must hold 3 and 4: SIGTERM mid-run drains (no poll aborted, in-flight tasks finish or
 * fail `Worker.Interrupted` within the stop budget, exit 0, everything done after retry);
 * SIGKILL mid-run loses nothing (the tasks come back after HeartbeatSeconds and another
 * worker completes them).
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
  scheduleWithRetry,
  startBackend,
  startWorker,
  waitFor,
} from './helpers.ts';

async function recordFile(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stepfleet-worker-signals-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'runs.txt');
}

async function runsIn(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

test('SIGTERM mid-run: drains within the budget, no poll aborted, exit 0, all done after retry', async (t) => {
  // GIVEN a worker with 4 slots and a 4 s stop budget, and 1 s poll windows
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 1 });
  const arn = arns[0] as string;
  const record = await recordFile(t);
  const env = {
    STEPFLEET_ACTIVITY_ARN: arn,
    STEPFLEET_HANDLER: fixture('record.ts'),
    STEPFLEET_THREADS: '2',
    STEPFLEET_TASKS_PER_THREAD: '2',
    STEPFLEET_STOP_TIMEOUT_SECONDS: '4',
    STEPFLEET_LOG_LEVEL: 'info',
  };
  const startedAt = Date.now();
  const first = startWorker(t, backend, env);

  // AND 24 tasks: every 4th runs 30 s on its first attempt (it cannot finish in the budget), the rest 300 ms
  const total = 24;
  const runs = Array.from({ length: total }, (_, i) =>
    scheduleWithRetry(
      backend,
      arn,
      (attempt) =>
        batchInput([i], { recordFile: record, ms: i % 4 === 0 && attempt === 0 ? 30_000 : 300 }, { attempt }),
      { timeoutSeconds: 120 },
    ),
  );

  // WHEN SIGTERM arrives while tasks run
  await waitFor(() => first.lines.some((l) => l.msg === 'worker running'), 15_000, 'the worker to start');
  await waitFor(() => backend.activities.stats().counts.succeeded >= 4, 15_000, 'some tasks to finish');
  t.diagnostic(`signal at ${Date.now() - startedAt} ms`);
  const signalledAt = Date.now();
  first.child.kill('SIGTERM');
  const code = await first.exited;
  const stopMs = Date.now() - signalledAt;

  // THEN it exits 0; the interruptions were reported within the 4 s budget (before ECS would
  // SIGKILL), and the process was gone soon after (slack for a loaded machine)
  assert.equal(code, 0, first.stderr);
  const interruptedAt = backend.activities
    .stats()
    .tasks.filter((task) => task.error === 'Worker.Interrupted')
    .map((task) => (task.closedAt ?? Number.POSITIVE_INFINITY) - signalledAt);
  assert.ok(interruptedAt.length >= 1, 'at least one long task was interrupted');
  assert.ok(Math.max(...interruptedAt) < 4_000, `interruptions reported after ${interruptedAt} ms`);
  assert.ok(stopMs < 4_000 + 1_500, `stopped in ${stopMs} ms`);
  assert.equal(finalReport(first)?.state, 'STOPPED');
  // AND no poll was aborted: no task was handed to a closed connection
  const counts = backend.activities.stats().counts;
  assert.equal(counts.pollsOfClosedConnections, 0);
  assert.equal(counts.lostToClosedPolls, 0);
  // AND the long tasks it held were failed Worker.Interrupted, nothing timed out
  assert.equal(counts.timedOut + counts.heartbeatTimedOut, 0);

  // WHEN a second worker (whose tasks take 300 ms at most) serves the rest (ASL Retry reschedules the interrupted ones)
  const second = startWorker(t, backend, { ...env, RECORD_MAX_MS: '300' });
  t.diagnostic(`second worker at ${Date.now() - startedAt} ms`);
  const outcomes = await Promise.all(runs);
  t.diagnostic(`all done at ${Date.now() - startedAt} ms`);

  // THEN every task ends SUCCEEDED, first attempts having ended only as SUCCEEDED or Worker.Interrupted
  for (const [i, attempts] of outcomes.entries()) {
    assert.equal(attempts.at(-1)?.status, 'SUCCEEDED', `task ${i}: ${JSON.stringify(attempts)}`);
    for (const o of attempts.slice(0, -1))
      assert.equal(o.status === 'FAILED' && o.error, 'Worker.Interrupted');
  }
  assert.deepEqual(new Set(await runsIn(record)).size, total);
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0);
});

test('SIGKILL mid-run: the tasks come back after HeartbeatSeconds and another worker completes them', async (t) => {
  // GIVEN a worker running 1.5 s tasks with HeartbeatSeconds 2
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 1 });
  const arn = arns[0] as string;
  const record = await recordFile(t);
  const env = {
    STEPFLEET_ACTIVITY_ARN: arn,
    STEPFLEET_HANDLER: fixture('record.ts'),
    STEPFLEET_THREADS: '2',
    STEPFLEET_TASKS_PER_THREAD: '2',
  };
  const first = startWorker(t, backend, env);
  const total = 12;
  const runs = Array.from({ length: total }, (_, i) =>
    scheduleWithRetry(
      backend,
      arn,
      (attempt) => batchInput([i], { recordFile: record, ms: 1500 }, { attempt, heartbeatSeconds: 2 }),
      { timeoutSeconds: 120, heartbeatSeconds: 2 },
    ),
  );

  // WHEN it is killed while holding tasks
  await waitFor(() => backend.activities.stats().runningTasks >= 4, 15_000, 'the worker to hold 4 tasks');
  first.child.kill('SIGKILL');
  assert.equal(await first.exited, 'SIGKILL');
  // AND another worker starts
  const second = startWorker(t, backend, env);
  const outcomes = await Promise.all(runs);

  // THEN the tasks the killed worker held came back as heartbeat timeouts and were retried
  const timedOut = outcomes.filter((a) => a.some((o) => o.status === 'TIMED_OUT'));
  assert.ok(timedOut.length >= 4, `${timedOut.length} tasks came back`);
  for (const a of timedOut) {
    assert.deepEqual(a[0], { status: 'TIMED_OUT', error: 'States.HeartbeatTimeout' });
  }
  // AND none was lost: every task succeeded in the end
  for (const [i, attempts] of outcomes.entries())
    assert.equal(attempts.at(-1)?.status, 'SUCCEEDED', `task ${i}`);
  assert.equal(new Set(await runsIn(record)).size, total);
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0);
});
