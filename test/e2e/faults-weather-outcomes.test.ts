/**
 * Fault suite, the I/O-bound weather job's outcomes and the controller: a run timed out (a state
 * machine timeout shorter than a hung batch), and a run while its `stepfleet controller` process
 * is SIGKILLed and restarted. Each ends as the job spec promises, with the fleet at 0 and no
 * process left.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  assertOutageRepaired,
  type ControllerOutage,
  type ControllerRegistry,
  controllerOutage,
  controllerRegistry,
} from './harness/controller-process.ts';
import {
  assertFleetEndsAtZero,
  type FaultSuite,
  printFigures,
  runScenario,
  SCENARIO_TIMEOUT_MS,
  startFaultSuite,
} from './harness/fault-suite.ts';
import { assertNoItemTwice } from './harness/result-writer.ts';
import { assertWeatherIntact, datasetKeys, weatherScenario } from './harness/weather.ts';

let suite: FaultSuite;
let controllers: ControllerRegistry;

before(async () => {
  suite = await startFaultSuite();
  controllers = await controllerRegistry();
});
after(async () => {
  await controllers?.close();
  await suite?.close();
});

test('GIVEN a batch that hangs on every attempt and a state machine timeout shorter than the hang THEN the run is TIMED_OUT, the hung batch is let go, and the fleet ends at 0', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  const clean = weatherScenario();
  const hung = datasetKeys(clean.dataset, 'valid')[50]!;
  // The hang holds one batch until its signal aborts; its own deadline (900 simulated seconds,
  // 88 s here) is past the fleet check's bound, so only the execution's end can let it go in
  // time: the worker must hear of it (its heartbeat refused).
  const scenario = weatherScenario({ faults: { hangOnKey: hung }, activityTimeoutSeconds: 900 });
  const run = await runScenario(suite, {
    signal: t.signal,
    plan: scenario.plan,
    // 60 simulated seconds (6 s): the other batches are done well before it.
    tuning: { name: 'weather-timeout', timeoutSeconds: 60 },
  });
  assert.equal(run.status, 'TIMED_OUT', run.log);
  assert.equal(run.error, 'States.Timeout');
  // A timed-out run skips its ScaleDown: the controller's reconcile scales the fleet in, and
  // the worker holding the hung batch must have let it go to stop.
  await assertFleetEndsAtZero(suite, run);
  const { succeededItems } = await assertNoItemTwice(suite.s3, 'weather-timeout');
  run.figures.items = scenario.dataset.objects.length;
  printFigures(t, 'weather: timed out on a hung batch', run.figures, run.taskErrors);
  assert.equal(succeededItems, 0, 'a timed-out Map Run writes no results');
  assert.ok(run.figures.batchesSucceeded >= 1, 'it timed out mid-run, batches done');
  assert.ok(run.figures.batchesSucceeded < run.figures.batches, 'the hung batch never finished');
});

test('GIVEN the stepfleet controller process SIGKILLed mid-run, its fleet lost while it is down, and restarted THEN the new one brings the fleet back and the table is unchanged', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  const scenario = weatherScenario();
  let outage: ControllerOutage | undefined;
  const run = await runScenario(suite, {
    signal: t.signal,
    plan: scenario.plan,
    tuning: { name: 'weather-controller-kill' },
    // Only the controller process reconciles (the scale steps still invoke the local function).
    reconcileSeconds: 3600,
    onStarted: async (context) => {
      outage = await controllerOutage(suite.backend, context, { controllers, spec: scenario.plan.spec });
    },
  });
  await assertWeatherIntact(suite, run, scenario, []);
  run.figures.controllerKills = 1;
  run.figures.workersLost = outage?.workersLost ?? 0;
  run.figures.reconcilesAfterRestart = await assertOutageRepaired(outage);
  printFigures(t, 'weather: controller killed and restarted', run.figures);
});
