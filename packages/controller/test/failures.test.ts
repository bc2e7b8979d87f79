/**
 * Runs that end badly leave no fleet behind: a Map Run over its tolerated failure (the failure
 * path's ScaleDown), a run stopped with StopExecution and a run past its state machine timeout
 * (no state runs: the reconcile loop). Each fleet is at 0 within one reconcile period.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { STATE_NAMES as S } from '@stepfleet/job';
import {
  type DeployedJob,
  fleetTimeline,
  type Harness,
  oneItemBatches,
  type ReconcileRun,
  type SleepItem,
  startHarness,
  startReconcile,
  type TestJobSpec,
} from './harness.ts';

/** The reconcile period of these tests. */
const INTERVAL_MS = 500;
/**
 * What one pass itself may take on this machine, on top of the period: its few calls took over
 * 500 ms when the suite runs three files at once on 2 cores. (Without the loop the fleet never
 * reaches 0, so the bound still fails a loop that does not act.)
 */
const PASS_SLACK_MS = 1500;

let harness: Harness;
const loops: ReconcileRun[] = [];

before(async () => {
  harness = await startHarness();
});
after(async () => {
  await Promise.all(loops.map((loop) => loop.stop()));
  await harness?.close();
});

/**
 * A one-worker job whose batches sleep `ms`, with the deployment's scheduled reconcile
 * watching its fleet (every {@link INTERVAL_MS}).
 */
async function deploy(
  name: string,
  items: SleepItem[],
  extra: Partial<TestJobSpec> = {},
): Promise<DeployedJob> {
  const job = await harness.deploy(
    oneItemBatches(name, { maxWorkers: 1, stopTimeoutSeconds: 5 }, extra),
    items,
  );
  loops.push(startReconcile(harness, [job.fleet], INTERVAL_MS));
  return job;
}

/** How long after `fromMs` the fleet's desired count was last set to 0 (and it still is). */
async function zeroAfter(job: DeployedJob, fromMs: number): Promise<number> {
  const atMs = await harness.waitForDesired(job, (d) => d === 0, INTERVAL_MS * 4, `${job.service} at 0`);
  const lastUp = fleetTimeline(harness.backend, job.service).findLast((s) => s.desired > 0);
  assert.ok(lastUp, 'the fleet had been scaled up');
  const zero = fleetTimeline(harness.backend, job.service).find(
    (s) => s.atMs > lastUp.atMs && s.desired === 0,
  );
  return (zero?.atMs ?? atMs) - fromMs;
}

describe('a run that ends badly leaves no workers behind', () => {
  test('GIVEN a Map Run over its tolerated failure WHEN it fails THEN the failure path scales the fleet to 0', async () => {
    const job = await deploy('fails', [{ ms: 100 }, { ms: 0, fail: true }, { ms: 100 }]);

    const executionArn = await harness.start(job.stateMachineArn);
    const execution = await harness.finished(executionArn);

    assert.equal(execution.status, 'FAILED');
    assert.equal(execution.error, 'States.ExceedToleratedFailureThreshold');
    const mapRun = await harness.mapRun(executionArn);
    assert.equal(mapRun.status, 'FAILED');
    const elapsed = await zeroAfter(job, mapRun.stopDate!.getTime());
    assert.ok(elapsed <= INTERVAL_MS + PASS_SLACK_MS, `at 0 ${elapsed} ms after the Map Run failed`);
  });

  test('GIVEN a running job WHEN stopped with StopExecution THEN the reconcile loop scales its fleet to 0 within one period', async () => {
    const job = await deploy('stopped', [{ ms: 30_000 }, { ms: 30_000 }]);
    const executionArn = await harness.start(job.stateMachineArn);
    await harness.entered(executionArn, S.map);
    await harness.waitForDesired(job, (d) => d === 1, 10_000, 'the fleet is up');

    await harness.sfn.send(new StopExecutionCommand({ executionArn, error: 'Test.Stop' }));
    const stoppedAtMs = (await harness.finished(executionArn)).stopDate!.getTime();

    const elapsed = await zeroAfter(job, stoppedAtMs);
    assert.ok(elapsed <= INTERVAL_MS + PASS_SLACK_MS, `at 0 ${elapsed} ms after the stop`);
  });

  test('GIVEN a job that outlives its state machine timeout WHEN it times out THEN the reconcile loop scales its fleet to 0 within one period', async () => {
    const job = await deploy('timed-out', [{ ms: 30_000 }], { timeoutSeconds: 3 });
    const executionArn = await harness.start(job.stateMachineArn);

    const execution = await harness.finished(executionArn, 10_000);

    assert.equal(execution.status, 'TIMED_OUT');
    const elapsed = await zeroAfter(job, execution.stopDate!.getTime());
    assert.ok(elapsed <= INTERVAL_MS + PASS_SLACK_MS, `at 0 ${elapsed} ms after the timeout`);
  });
});
