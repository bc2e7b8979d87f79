/**
 * Two overlapping runs of one job on one service: the fleet is the sum of their needs while
 * both run; when the first ends, its ScaleDown takes only its own demand away and scale-in
 * takes only idle workers, so the second keeps the workers it is using.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { STATE_NAMES as S } from '@stepfleet/job';
import {
  assertOnlyIdleWorkersStopped,
  fleetTimeline,
  type Harness,
  oneItemBatches,
  sleepItems,
  startHarness,
} from './harness.ts';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness?.close());

/** The desired count in force at `atMs`. */
function desiredAt(timeline: ReturnType<typeof fleetTimeline>, atMs: number): number {
  return timeline.filter((s) => s.atMs <= atMs).at(-1)?.desired ?? 0;
}

test('GIVEN two overlapping runs on one service WHEN the first ends THEN the fleet was the sum of their needs and the second keeps its busy workers', async () => {
  // MaxConcurrency 2 and one slot per worker: each run needs 2 workers; the fleet may hold 4.
  const job = await harness.deploy(
    oneItemBatches('overlap', { maxWorkers: 4, stopTimeoutSeconds: 10 }, { maxConcurrency: 2 }),
    sleepItems(6, 1_200),
  );

  const first = await harness.start(job.stateMachineArn, { run: 'first' });
  await harness.entered(first, S.map);
  // The second starts once the first's first wave is done, so the first ends well before it.
  const deadline = Date.now() + 20_000;
  while (((await harness.mapRun(first)).executionCounts?.succeeded ?? 0) < 2) {
    assert.ok(Date.now() < deadline, "the first run's first wave ends within 20 s");
    await sleep(25);
  }
  const second = await harness.start(job.stateMachineArn, { run: 'second' });
  await harness.entered(second, S.map);
  const [one, two] = await Promise.all([harness.finished(first, 45_000), harness.finished(second, 45_000)]);

  assert.equal(one.status, 'SUCCEEDED', one.cause);
  assert.equal(two.status, 'SUCCEEDED', two.cause);
  const firstMap = await harness.mapRun(first);
  const secondMap = await harness.mapRun(second);
  const timeline = fleetTimeline(harness.backend, job.service);
  assert.equal(desiredAt(timeline, firstMap.startDate!.getTime()), 2, 'the first run alone needs 2');
  assert.ok(
    secondMap.startDate!.getTime() < firstMap.stopDate!.getTime(),
    'the runs overlap: the second Map Run starts before the first ends',
  );
  assert.equal(desiredAt(timeline, secondMap.startDate!.getTime()), 4, 'while both run: 2 + 2');
  // The first run's ScaleDown leaves what the second still needs.
  const firstEnd = one.stopDate!.getTime();
  assert.ok(firstEnd < secondMap.stopDate!.getTime(), 'the first run ends while the second maps');
  const afterFirst = desiredAt(timeline, firstEnd + 1);
  assert.ok(afterFirst >= 1 && afterFirst <= 2, `after the first run: the second's need, got ${afterFirst}`);
  assert.equal(await harness.desiredCount(job), 0, 'both done: 0');

  // No worker was stopped while it held a batch of either run: every batch succeeded first time.
  await assertOnlyIdleWorkersStopped(harness, job.service);
  const scaledIn = harness.backend.ecs.observations
    .tasks({ service: job.service })
    .filter((t) => t.stopRequestedAtMs !== undefined && t.stopRequestedAtMs < secondMap.stopDate!.getTime());
  assert.ok(scaledIn.length >= 2, "the first run's ScaleDown stopped idle workers while the second ran");
  const failed = harness.backend.activities.stats().tasks.filter((t) => t.status !== 'SUCCEEDED');
  assert.deepEqual(failed, [], 'every batch of both runs succeeded at its first attempt');
});
