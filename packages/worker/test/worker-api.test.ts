/**
 * The worker from code, in this process: lifecycle states and events, metrics readable from
 * code, the HTTP health endpoint, an idempotent shutdown, and an illegal second run().
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createWorker, IllegalStateError, type WorkerState } from '@stepfleet/worker';
import { batchInput, fixture, startBackend, testCredentials, waitFor } from './helpers.ts';

test('lifecycle, events, metrics and health from code', async (t) => {
  // GIVEN a worker made in this process, with a health endpoint on any port
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 1 });
  process.env.AWS_ACCESS_KEY_ID ??= testCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= testCredentials.secretAccessKey;
  const worker = createWorker({
    activityArn: arns[0] as string,
    handler: fixture('behaviors.ts'),
    endpoint: backend.url,
    region: 'us-east-1',
    threads: 1,
    handleSignals: false,
    emfMetrics: false,
    healthPort: 0,
    logLevel: 'warn',
  });
  t.after(() => worker.shutdown());
  const states: WorkerState[] = [];
  const events: string[] = [];
  worker.on('state', ({ to }) => states.push(to));
  worker.on('taskSucceeded', (e) => events.push(`ok ${e.executionId}`));
  worker.on('taskFailed', (e) => events.push(`failed ${e.error}`));
  assert.equal(worker.state, 'INITIALIZED');

  // WHEN it runs two tasks, one failing
  const running = worker.run();
  const ok = await backend.activities.schedule(
    arns[0] as string,
    batchInput([1], { mode: 'ok' }, { executionId: 'e1' }),
    {
      timeoutSeconds: 30,
    },
  );
  const failed = await backend.activities.schedule(arns[0] as string, batchInput([1], { mode: 'throw' }), {
    timeoutSeconds: 30,
  });
  assert.equal(ok.status, 'SUCCEEDED');
  assert.equal(failed.status, 'FAILED');

  // THEN events and metrics say so (once the worker got the service's answers)
  await waitFor(() => events.length === 2, 5_000, 'both reports to be answered');
  assert.deepEqual(events, ['ok e1', 'failed QuotaExceededError']);
  const metrics = worker.metrics();
  assert.equal(metrics.tasksStarted, 2);
  assert.equal(metrics.tasksSucceeded, 1);
  assert.deepEqual(metrics.failuresByName, { QuotaExceededError: 1 });
  assert.equal(metrics.taskDurationMs.count, 2);
  // AND the health endpoint answers 200 while running
  const health = await fetch(`http://127.0.0.1:${worker.healthPort}/health`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { state: string }).state, 'RUNNING');
  // AND a second run() is refused
  await assert.rejects(worker.run(), IllegalStateError);

  // WHEN it is shut down twice
  const first = worker.shutdown();
  assert.equal(worker.shutdown(), first);
  await first;
  await running;
  // THEN it went through every state once
  assert.deepEqual(states, ['RUNNING', 'DRAINING', 'STOPPING', 'STOPPED']);
});
