/**
 * The drain, path by path, with real worker processes and signals: a task that arrives while
 * the worker drains (the poll was open when SIGTERM came) runs if the activity's recent task
 * duration fits the stop budget left, else it is failed `Worker.Interrupted` at once; a second
 * signal forces the stop: in-flight tasks are failed `Worker.Interrupted` now, and the process
 * exits 0 promptly with nothing unhandled.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LocalBackend } from '@stepfleet/local';
import {
  batchInput,
  finalReport,
  fixture,
  startBackend,
  startWorker,
  type WorkerProcess,
  waitFor,
} from './helpers.ts';

/** One slot, so exactly one poll is open whenever the worker is idle; logs at info. */
function drainEnv(arn: string, stopTimeoutSeconds: number): Record<string, string> {
  return {
    STEPFLEET_ACTIVITY_ARN: arn,
    STEPFLEET_HANDLER: fixture('behaviors.ts'),
    STEPFLEET_THREADS: '1',
    STEPFLEET_STOP_TIMEOUT_SECONDS: String(stopTimeoutSeconds),
    STEPFLEET_LOG_LEVEL: 'info',
  };
}

/** Sends SIGTERM once the worker sits idle in an open poll, and waits until it drains. */
async function signalWhilePolling(backend: LocalBackend, worker: WorkerProcess): Promise<number> {
  await waitFor(() => backend.activities.stats().openPolls === 1, 10_000, 'an open poll');
  const signalledAt = Date.now();
  worker.child.kill('SIGTERM');
  await waitFor(() => worker.lines.some((l) => l.msg === 'draining'), 10_000, 'the worker to drain');
  return signalledAt;
}

/** The backend's record of the last task scheduled. */
function lastTask(backend: LocalBackend) {
  const record = backend.activities.stats().tasks.at(-1);
  assert.ok(record);
  return record;
}

test('a task arriving during the drain runs when its expected duration fits the budget left', async (t) => {
  // GIVEN a worker with a 3 s stop budget whose tasks take 100 ms, idle in an open 5 s poll
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 5 });
  const arn = arns[0] as string;
  const worker = startWorker(t, backend, drainEnv(arn, 3));
  for (let i = 0; i < 2; i++) {
    const done = await backend.activities.schedule(arn, batchInput([i], { mode: 'sleep', ms: 100 }));
    assert.equal(done.status, 'SUCCEEDED');
  }

  // WHEN SIGTERM arrives, and then a task is handed to the open poll
  const signalledAt = await signalWhilePolling(backend, worker);
  const outcome = await backend.activities.schedule(arn, batchInput([9], { mode: 'sleep', ms: 300 }));

  // THEN the task runs and succeeds, after the signal
  assert.equal(outcome.status, 'SUCCEEDED', JSON.stringify(outcome));
  assert.ok((lastTask(backend).startedAt ?? 0) >= signalledAt);
  // AND the worker exits 0 as soon as it is done (it waited for its poll, never aborted it)
  assert.equal(await worker.exited, 0, worker.stderr);
  const stopMs = Date.now() - signalledAt;
  assert.ok(stopMs < 2_700, `stopped ${stopMs} ms after the signal`);
  assert.equal(finalReport(worker)?.state, 'STOPPED');
  assert.equal(finalReport(worker)?.metrics.tasksSucceeded, 3);
  const counts = backend.activities.stats().counts;
  assert.equal(counts.pollsOfClosedConnections, 0);
  assert.equal(counts.lostToClosedPolls, 0);
});

test('a task arriving during the drain that cannot fit the budget is failed Worker.Interrupted at once', async (t) => {
  // GIVEN a worker with a 3 s stop budget (2.7 s after the margin) whose tasks take 3 s, idle in an open poll
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 5 });
  const arn = arns[0] as string;
  const worker = startWorker(t, backend, drainEnv(arn, 3));
  const first = await backend.activities.schedule(arn, batchInput([1], { mode: 'sleep', ms: 3_000 }));
  assert.equal(first.status, 'SUCCEEDED');

  // WHEN SIGTERM arrives, and then a 3 s task is handed to the open poll
  await signalWhilePolling(backend, worker);
  const outcome = await backend.activities.schedule(arn, batchInput([2], { mode: 'sleep', ms: 3_000 }));

  // THEN it is failed Worker.Interrupted (retryable) at once, not run until the budget ends
  assert.deepEqual(
    { status: outcome.status, error: outcome.status === 'FAILED' ? outcome.error : undefined },
    { status: 'FAILED', error: 'Worker.Interrupted' },
  );
  const task = lastTask(backend);
  const heldMs = (task.closedAt ?? 0) - (task.startedAt ?? 0);
  assert.ok(heldMs < 1_500, `held ${heldMs} ms before the interruption was reported`);
  // AND the worker exits 0 without aborting a poll
  assert.equal(await worker.exited, 0, worker.stderr);
  assert.ok(worker.lines.some((l) => l.msg === 'task arrived while draining and will not fit: interrupted'));
  assert.equal(finalReport(worker)?.state, 'STOPPED');
  assert.equal(backend.activities.stats().counts.pollsOfClosedConnections, 0);
});

test('a second signal during the drain forces the stop: in-flight tasks fail Worker.Interrupted now', async (t) => {
  // GIVEN a worker with a 30 s stop budget and 2 slots: one runs a task that ignores its abort
  // signal, the other waits in a 60 s poll
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 60 });
  const arn = arns[0] as string;
  const worker = startWorker(t, backend, { ...drainEnv(arn, 30), STEPFLEET_TASKS_PER_THREAD: '2' });
  let pickedUp = false;
  const outcome = backend.activities.schedule(arn, batchInput([1], { mode: 'hang' }), {
    timeoutSeconds: 120,
    onStarted: () => {
      pickedUp = true;
    },
  });
  await waitFor(() => pickedUp, 15_000, 'the worker to take the task');
  await waitFor(() => backend.activities.stats().openPolls === 1, 10_000, 'the other slot to poll');

  // WHEN SIGTERM starts the drain, and SIGINT follows while the task still runs
  worker.child.kill('SIGTERM');
  await waitFor(() => worker.lines.some((l) => l.msg === 'draining'), 10_000, 'the worker to drain');
  const forcedAt = Date.now();
  worker.child.kill('SIGINT');

  // THEN the task is failed Worker.Interrupted at once (not after the 27 s budget)
  const result = await outcome;
  assert.deepEqual(
    { status: result.status, error: result.status === 'FAILED' ? result.error : undefined },
    { status: 'FAILED', error: 'Worker.Interrupted' },
  );
  const interruptedMs = (lastTask(backend).closedAt ?? 0) - forcedAt;
  assert.ok(interruptedMs < 2_000, `interrupted ${interruptedMs} ms after the second signal`);
  // AND the process exits 0 promptly (the hung handler's thread is terminated, the open poll is
  // not waited for), with nothing unhandled
  assert.equal(await worker.exited, 0, worker.stderr);
  const exitMs = Date.now() - forcedAt;
  assert.ok(exitMs < 4_000, `exited ${exitMs} ms after the second signal`);
  assert.ok(worker.lines.some((l) => l.msg === 'second stop signal: forcing'));
  assert.equal(finalReport(worker)?.state, 'STOPPED');
  // AND the poll the stop cut is not reported as a failed poll (no warning, no pollErrors)
  assert.deepEqual(
    worker.lines.filter((l) => l.msg === 'poll failed; backing off').map((l) => l.error),
    [],
  );
  assert.equal(finalReport(worker)?.metrics.pollErrors, 0);
  assert.doesNotMatch(worker.stderr, /unhandled|uncaught|Error/i);
  assert.deepEqual(
    worker.lines.filter((l) => typeof l.level === 'number' && l.level >= 50).map((l) => l.msg),
    [],
  );
});
