/**
 * What must hold 11: a worker running as an ECS task (a process the local backend's ECS
 * launched, with `ECS_AGENT_URI`) turns scale-in protection on while it holds work and off
 * once idle, as the ECS API (GetTaskProtection) sees it. Scale-in then drains it to exit 0.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEcsWorker } from './ecs-worker.ts';
import { batchInput, startBackend, waitFor } from './helpers.ts';

test('task protection through the ECS agent: on while busy, off when idle', async (t) => {
  // GIVEN a worker launched as the task of an ECS service, releasing protection after 1 s idle
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 1 });
  const arn = arns[0] as string;
  const worker = await startEcsWorker(t, backend, {
    STEPFLEET_ACTIVITY_ARN: arn,
    STEPFLEET_PROTECTION_IDLE_RELEASE_MS: '1000',
  });
  assert.equal(await worker.isProtected(), false);

  // WHEN a 2 s task runs on it
  let pickedUp = false;
  const outcome = backend.activities.schedule(arn, batchInput([1], { mode: 'sleep', ms: 2000 }), {
    timeoutSeconds: 60,
    onStarted: () => {
      pickedUp = true;
    },
  });
  await waitFor(() => pickedUp, 20_000, 'the worker to take the task');

  // THEN it is protected while it works
  await worker.waitForProtection(true, 1_500);
  assert.equal((await outcome).status, 'SUCCEEDED');

  // AND released once idle for a second
  await worker.waitForProtection(false, 5_000);

  // WHEN the service scales in (the task is unprotected now, so ECS stops it: SIGTERM)
  await worker.scaleToZero();
  // THEN the worker drains and exits 0
  await waitFor(() => worker.observed().exitCode !== undefined, 10_000, 'the task process to exit');
  assert.equal(worker.observed().exitCode, 0);
});
