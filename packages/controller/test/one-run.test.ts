/**
 * One run on the controller, on the local backend with real worker processes (the worker SDK as
 * ECS tasks): the ScaleUp step sizes the fleet before the Map Run, the reconcile loop shrinks it
 * during the tail without stopping a busy worker, the ScaleDown step ends it at 0.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { STATE_NAMES as S } from '@stepfleet/job';
import {
  assertOnlyIdleWorkersStopped,
  fleetTimeline,
  type Harness,
  oneItemBatches,
  peakDesired,
  type SleepItem,
  startHarness,
  startReconcile,
} from './harness.ts';

/** The step function's controller (a module of this process) reads its settings on first use. */
process.env.STEPFLEET_SCALE_IN_COOLDOWN_SECONDS = '0.3';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness?.close());

test('GIVEN one run with a straggler WHEN it runs THEN the fleet goes 0 → 3 before the Map Run, shrinks in the tail without stopping busy workers, ends at 0', async () => {
  // The straggler first, so the eight short batches drain while it runs: a tail of one batch.
  const items: SleepItem[] = [{ ms: 5_000 }, ...Array.from({ length: 8 }, () => ({ ms: 300 }))];
  const job = await harness.deploy(
    oneItemBatches('one-run', { maxWorkers: 3, stopTimeoutSeconds: 10 }),
    items,
  );
  // The scheduled reconcile of a deployment, here every 150 ms with a 300 ms stabilization window.
  const reconcile = startReconcile(harness, [job.fleet], 150);

  const executionArn = await harness.start(job.stateMachineArn);
  const execution = await harness.finished(executionArn, 45_000);
  await reconcile.stop();

  assert.equal(execution.status, 'SUCCEEDED', execution.cause);
  const mapRun = await harness.mapRun(executionArn);
  const mapStart = mapRun.startDate!.getTime();
  const mapEnd = mapRun.stopDate!.getTime();
  const timeline = fleetTimeline(harness.backend, job.service);
  const firstUp = timeline.find((s) => s.desired > 0);
  assert.ok(firstUp, 'the fleet was scaled up');
  assert.ok(firstUp.atMs <= mapStart, 'the fleet is scaled up before the Map Run starts');
  assert.equal(peakDesired(timeline), 3, 'sized to the run: 9 one-item batches, MaxConcurrency 3, 1 slot');
  const running = timeline.filter((s) => s.atMs <= mapStart).at(-1)!;
  assert.equal(running.running, 3, 'ScaleUp waited until the workers ran');
  // The tail: from the Map Run's start until its last batch (the straggler) closed; after that
  // the run needs no worker even before its Map Run reports the end.
  const lastBatchClosed = Math.max(
    ...harness.backend.activities.stats().tasks.map((task) => task.closedAt ?? Number.POSITIVE_INFINITY),
  );
  const tail = timeline.filter((s) => s.atMs > mapStart && s.atMs < Math.min(mapEnd, lastBatchClosed));
  assert.equal(
    Math.min(...tail.map((s) => s.desired)),
    1,
    `the fleet shrinks during the tail to the one straggler: ${JSON.stringify(timeline)}`,
  );
  assert.equal(await harness.desiredCount(job), 0, 'back to 0 after the run');

  // Scale-in only ever took idle workers: no task was stopped holding work or under protection.
  await assertOnlyIdleWorkersStopped(harness, job.service);
  const tailStops = harness.backend.ecs.observations
    .tasks({ service: job.service })
    .filter((t) => t.stopRequestedAtMs !== undefined && t.stopRequestedAtMs < mapEnd);
  assert.equal(tailStops.length, 2, 'two idle workers were stopped in the tail, the busy one kept');
  const work = harness.backend.activities.stats().tasks.filter((t) => t.status !== 'SUCCEEDED');
  assert.deepEqual(work, [], 'every batch succeeded at its first attempt');
  const history = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  const entered = (history.events ?? [])
    .map((e) => e.stateEnteredEventDetails?.name)
    .filter((name) => name !== undefined && name !== S.batch);
  assert.deepEqual(entered, [S.plan, S.scaleUp, S.map, S.scaleDown, S.succeeded]);
});
