/**
 * Task protection when it goes wrong, with a worker launched as an ECS task and faults on the
 * backend's ECS agent endpoint (service `ecs-agent`):
 * - an idle worker polls unprotected; a task it receives starts only once the ECS task is
 *   protected, even when the agent is slow or a release is still in flight;
 * - when the agent refuses protection, the worker takes no more work, finishes (or, when it
 *   cannot fit the stop budget, fails `Worker.Interrupted`) the task it holds, and exits 0;
 *   its replacement does the rest, so nothing is lost.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LocalBackend } from '@stepfleet/local';
import { startEcsWorker } from './ecs-worker.ts';
import { batchInput, fixture, startBackend, waitFor } from './helpers.ts';

const throttleProtection = { service: 'ecs-agent', operation: 'UpdateTaskProtection', throttleRate: 1 };

/** The output of a protection-probe task: the agent's ProtectionEnabled when it started and ended. */
async function probe(backend: LocalBackend, arn: string, ms: number): Promise<unknown> {
  const outcome = await backend.activities.schedule(arn, batchInput([1], { ms }), { timeoutSeconds: 60 });
  assert.equal(outcome.status, 'SUCCEEDED', JSON.stringify(outcome));
  return outcome.status === 'SUCCEEDED' ? JSON.parse(outcome.output) : undefined;
}

test('a task received while unprotected starts only once protected, even during a release', async (t) => {
  // GIVEN an idle ECS worker (it polls unprotected) and an agent taking 800 ms per protection change
  const { backend, arns } = await startBackend(t, {
    activityPollSeconds: 2,
    faults: [{ service: 'ecs-agent', operation: 'UpdateTaskProtection', latencyMs: 800 }],
  });
  const arn = arns[0] as string;
  const worker = await startEcsWorker(t, backend, {
    STEPFLEET_ACTIVITY_ARN: arn,
    STEPFLEET_HANDLER: fixture('protection-probe.ts'),
    STEPFLEET_PROTECTION_IDLE_RELEASE_MS: '500',
  });
  await waitFor(() => backend.activities.stats().openPolls === 1, 15_000, 'the worker to poll');
  assert.equal(await worker.isProtected(), false);

  // WHEN a task arrives
  // THEN its handler already sees the ECS task protected, and still does when it ends
  assert.deepEqual(await probe(backend, arn, 300), { atStart: true, atEnd: true });
  const endedAt = Date.now();

  // WHEN the next task arrives while the idle release (due 500 ms after the first task, 800 ms
  // at the agent) is in flight
  await new Promise((r) => setTimeout(r, Math.max(0, endedAt + 800 - Date.now())));
  // THEN protection is on again before the handler starts, and stays on to its end
  assert.deepEqual(await probe(backend, arn, 1_500), { atStart: true, atEnd: true });
  // AND once idle it is released
  await worker.waitForProtection(false, 10_000);
});

test('protection refused: the worker takes no more work, finishes its task, exits 0; the replacement does the rest', async (t) => {
  // GIVEN an ECS worker whose agent refuses every protection change (throttled)
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 2, faults: [throttleProtection] });
  const arn = arns[0] as string;
  const worker = await startEcsWorker(t, backend, { STEPFLEET_ACTIVITY_ARN: arn });

  // WHEN a task arrives (protection is asked for and refused), then another one
  let pickedUp = false;
  const held = backend.activities.schedule(arn, batchInput([1], { mode: 'sleep', ms: 1_000 }), {
    onStarted: () => {
      pickedUp = true;
    },
  });
  await waitFor(() => pickedUp, 15_000, 'the worker to take the task');
  const next = backend.activities.schedule(arn, batchInput([2], { mode: 'ok' }));

  // THEN the task it held succeeds, and the worker exits 0
  assert.equal((await held).status, 'SUCCEEDED');
  await waitFor(() => worker.observed().exitCode !== undefined, 15_000, 'the worker to exit');
  assert.equal(worker.observed().exitCode, 0);
  const logs = await worker.logLines();
  assert.ok(logs.some((l) => l.msg === 'task protection refused: no more work is taken; stopping'));
  // AND the next task was left for the replacement the service starts (it gets protection)
  backend.faults.clear();
  assert.equal((await next).status, 'SUCCEEDED');
  const [heldBy, nextBy] = backend.activities.stats().tasks.map((r) => r.workerName?.split('/')[0]);
  assert.ok(heldBy && nextBy && nextBy !== heldBy, `held by ${heldBy}, next done by ${nextBy}`);
});

test('protection refused for a task that cannot fit the stop budget: failed Worker.Interrupted at once, retried elsewhere', async (t) => {
  // GIVEN an ECS worker with a 2 s stop budget whose tasks take 2.5 s, now idle and unprotected
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 2 });
  const arn = arns[0] as string;
  const worker = await startEcsWorker(
    t,
    backend,
    {
      STEPFLEET_ACTIVITY_ARN: arn,
      STEPFLEET_STOP_TIMEOUT_SECONDS: '2',
      STEPFLEET_PROTECTION_IDLE_RELEASE_MS: '200',
    },
    2,
  );
  const first = await backend.activities.schedule(arn, batchInput([1], { mode: 'sleep', ms: 2_500 }));
  assert.equal(first.status, 'SUCCEEDED');
  await worker.waitForProtection(false, 10_000);

  // WHEN the agent starts refusing protection and a 2.5 s task arrives
  backend.faults.set([throttleProtection]);
  const input = (attempt: number) => batchInput([2], { mode: 'sleep', ms: 2_500 }, { attempt });
  const outcome = await backend.activities.schedule(arn, input(0));

  // THEN it is failed Worker.Interrupted (retryable) at once, and the worker exits 0
  assert.equal(outcome.status === 'FAILED' && outcome.error, 'Worker.Interrupted');
  const record = backend.activities.stats().tasks.at(-1);
  const heldMs = (record?.closedAt ?? 0) - (record?.startedAt ?? 0);
  assert.ok(heldMs < 1_500, `held ${heldMs} ms`);
  await waitFor(() => worker.observed().exitCode !== undefined, 15_000, 'the worker to exit');
  assert.equal(worker.observed().exitCode, 0);
  // AND its retry is done by the replacement, once the agent protects again
  backend.faults.clear();
  assert.equal((await backend.activities.schedule(arn, input(1))).status, 'SUCCEEDED');
});
