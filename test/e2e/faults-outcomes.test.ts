/**
 * Fault suite, outcomes and the controller: the Monte Carlo job stopped mid-run
 * (StopExecution), timed out (a short state machine timeout), and run while its `stepfleet
 * controller` process is SIGKILLed and restarted. Each ends as the job spec promises, with
 * the fleet at 0 and no process left.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { JobPlan } from 'stepfleet';
import {
  type ControllerProcess,
  startControllerProcess,
  writeFleetsFile,
} from './harness/controller-process.ts';
import {
  assertFleetEndsAtZero,
  assertNoProcessLeft,
  type FaultSuite,
  printFigures,
  runScenario,
  SCENARIO_TIMEOUT_MS,
  startFaultSuite,
} from './harness/fault-suite.ts';
import { assertMonteCarloIntact, monteCarloPlan } from './harness/monte-carlo.ts';
import { entryItemKeys, findManifest, readMapRunResults } from './harness/result-writer.ts';
import { untilWorking } from './harness/worker-signals.ts';

let suite: FaultSuite;
let plan: JobPlan;
let dir: string;
const controllers: ControllerProcess[] = [];

before(async () => {
  suite = await startFaultSuite();
  plan = await monteCarloPlan();
  dir = await mkdtemp(join(tmpdir(), 'stepfleet-faults-'));
});
after(async () => {
  for (const controller of controllers) await controller.kill('SIGKILL');
  await suite?.close();
  assertNoProcessLeft(
    controllers.map((c) => c.pid),
    'controller',
  );
  await rm(dir, { recursive: true, force: true });
});

/** No item has two results among what the ResultWriter wrote for an unfinished run, if anything. */
async function assertNoItemTwice(job: string): Promise<number> {
  const manifest = await findManifest(suite.s3, 'stepfleet-results', job);
  if (!manifest) return 0;
  const results = await readMapRunResults(suite.s3, manifest);
  const keys = results.succeeded.flatMap(entryItemKeys);
  assert.equal(new Set(keys).size, keys.length, 'no item has two results');
  return keys.length;
}

test('GIVEN a run stopped with StopExecution mid-run THEN it is ABORTED and the controller brings the fleet to 0', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  const run = await runScenario(suite, {
    plan,
    tuning: { name: 'mc-stopped' },
    onStarted: async (context) => {
      await untilWorking(suite.backend, context, 6);
      await context.clients.sfn.send(
        new StopExecutionCommand({
          executionArn: context.executionArn,
          error: 'Test.Stop',
          cause: 'fault suite',
        }),
      );
    },
  });
  assert.equal(run.status, 'ABORTED', run.log);
  assert.equal(run.error, 'Test.Stop');
  // No state runs after a stop: the controller's reconcile (its schedule on AWS) scales the fleet in.
  await assertFleetEndsAtZero(suite, run);
  run.figures.items = await assertNoItemTwice('mc-stopped');
  printFigures(t, 'stopped', run.figures);
});

test('GIVEN a state machine timeout shorter than the run THEN it is TIMED_OUT and the fleet ends at 0', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  // One worker needs several seconds for the 40 batches; 10 simulated seconds are 1 s.
  const run = await runScenario(suite, {
    plan: await monteCarloPlan({ workers: 1 }),
    tuning: { name: 'mc-timeout', timeoutSeconds: 10 },
  });
  assert.equal(run.status, 'TIMED_OUT', run.log);
  assert.equal(run.error, 'States.Timeout');
  await assertFleetEndsAtZero(suite, run);
  run.figures.items = await assertNoItemTwice('mc-timeout');
  printFigures(t, 'timed out', run.figures);
});

test('GIVEN the stepfleet controller process SIGKILLed mid-run and restarted THEN the run succeeds unchanged and the new one reconciles the fleet', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  const fleetsFile = join(dir, 'fleets.json');
  let restarted: ControllerProcess | undefined;
  let repair: Record<string, unknown> | undefined;
  // Two workers: a longer run, so the outage and the repair both fall inside it.
  const twoWorkers = await monteCarloPlan({ workers: 2 });
  const run = await runScenario(suite, {
    plan: twoWorkers,
    tuning: { name: 'mc-controller-kill' },
    // Only the controller process reconciles (the scale steps still invoke the local function).
    reconcileSeconds: 3600,
    onStarted: async (context) => {
      const { cluster, service, stateMachineArn } = context.deployment;
      const fleet = `${cluster}/${service}`;
      await writeFleetsFile(fleetsFile, [
        {
          cluster,
          service,
          stateMachineArns: [stateMachineArn],
          maxWorkers: twoWorkers.spec.fleet.maxWorkers,
          slotsPerWorker: plan.spec.worker.threads,
          itemsPerBatch: plan.spec.batching.maxItems,
          tailBatches: 1,
        },
      ]);
      const first = startControllerProcess(fleetsFile, 0.5);
      controllers.push(first);
      await first.until((d) => d.event === 'start', 15_000, 'its start');
      await untilWorking(suite.backend, context, 2);
      // SIGKILL: no cleanup of any kind, mid-run.
      await first.kill('SIGKILL');
      // While it is down the fleet drifts to 0 (a manual change, a stray scale step): idle
      // workers stop, and the run stalls until a controller repairs it.
      await context.clients.ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: 0 }));
      restarted = startControllerProcess(fleetsFile, 0.5);
      controllers.push(restarted);
      // A decision is logged when it changes the fleet: the restarted controller repairs the drift.
      repair = await restarted.until(
        (d) => d.event === 'reconcile' && d.fleet === fleet,
        15_000,
        'a repair of the drift after the restart',
      );
    },
  });
  assert.ok(restarted && repair, 'the controller was restarted and reconciled');
  assert.equal((repair.current as { desiredCount: number }).desiredCount, 0, 'it saw the drifted fleet');
  assert.ok(
    Number(repair.target) >= 1,
    `it scaled the fleet back up for the open run (target ${repair.target})`,
  );
  await assertMonteCarloIntact(suite, run, twoWorkers, suite.s3);
  run.figures.controllerKills = 1;
  run.figures.reconcilesAfterRestart = restarted.decisions.filter((d) => d.event === 'reconcile').length;
  await restarted.kill('SIGTERM');
  assert.equal(restarted.child.exitCode, 0, 'SIGTERM stops the restarted controller cleanly');
  printFigures(t, 'controller killed and restarted', run.figures);
});
