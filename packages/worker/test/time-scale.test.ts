/**
 * A worker on a backend running faster than real time (`timeScale`) follows the backend's
 * clock where the local ECS counts simulated time: the stop budget (ECS sends SIGKILL
 * `stopTimeout` simulated seconds after SIGTERM) and the life of task protection.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StopTaskCommand } from '@aws-sdk/client-ecs';
import { startEcsWorker } from './ecs-worker.ts';
import { batchInput, fixture, startBackend, waitFor } from './helpers.ts';

test('at timeScale 60, a 1-minute protection (1 s real) is refreshed all through a 2.5 s task', async (t) => {
  // GIVEN a backend 60 times faster and a worker asking for 1-minute protections
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 60, timeScale: 60 });
  const arn = arns[0] as string;
  await startEcsWorker(t, backend, {
    STEPFLEET_ACTIVITY_ARN: arn,
    STEPFLEET_HANDLER: fixture('protection-probe.ts'),
    STEPFLEET_TIME_SCALE: '60',
    STEPFLEET_PROTECTION_EXPIRES_IN_MINUTES: '1',
  });
  // WHEN a task runs for 2.5 s of real time (150 simulated seconds)
  const outcome = await backend.activities.schedule(arn, batchInput([1], { ms: 2_500 }), {
    timeoutSeconds: 600,
  });
  // THEN the task was protected when it started and still when it ended
  assert.equal(outcome.status, 'SUCCEEDED', JSON.stringify(outcome));
  assert.deepEqual(outcome.status === 'SUCCEEDED' && JSON.parse(outcome.output), {
    atStart: true,
    atEnd: true,
  });
});

test('at timeScale 10, the stop budget is stopTimeout ÷ 10: tasks are interrupted and reported before SIGKILL', async (t) => {
  // GIVEN a backend 10 times faster and a worker task with stopTimeout 30 (SIGKILL 3 s after SIGTERM)
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 60, timeScale: 10 });
  const arn = arns[0] as string;
  const worker = await startEcsWorker(
    t,
    backend,
    { STEPFLEET_ACTIVITY_ARN: arn, STEPFLEET_TIME_SCALE: '10', STEPFLEET_STOP_TIMEOUT_SECONDS: '30' },
    30,
  );
  let pickedUp = false;
  // (HeartbeatSeconds 20, 2 s real: a SIGKILLed worker's task would come back as a heartbeat timeout)
  const input = batchInput([1], { mode: 'sleep', ms: 60_000 }, { heartbeatSeconds: 20 });
  const outcome = backend.activities.schedule(arn, input, {
    timeoutSeconds: 1_200,
    heartbeatSeconds: 20,
    onStarted: () => {
      pickedUp = true;
    },
  });
  await waitFor(() => pickedUp, 15_000, 'the worker to take the task');

  // WHEN ECS stops the task while it runs
  const stoppedAt = Date.now();
  await worker.ecs.send(new StopTaskCommand({ cluster: 'fleet', task: worker.taskArn }));

  // THEN the task is failed Worker.Interrupted within the 3 s, and the worker exits 0 (not SIGKILLed)
  const result = await outcome;
  assert.equal(result.status === 'FAILED' && result.error, 'Worker.Interrupted', JSON.stringify(result));
  const reportedMs = Date.now() - stoppedAt;
  assert.ok(reportedMs < 3_000, `interrupted after ${reportedMs} ms`);
  await waitFor(() => worker.observed().exitCode !== undefined, 10_000, 'the worker to exit');
  assert.deepEqual(
    { exitCode: worker.observed().exitCode, signal: worker.observed().signal ?? null },
    { exitCode: 0, signal: null },
  );
});
