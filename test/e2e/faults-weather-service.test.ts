/**
 * Fault suite, the I/O-bound weather job against its fleet and service: SIGTERM storms (a Spot
 * interruption) while the responses of SendTaskSuccess and SendTaskHeartbeat are dropped after
 * they took effect; and two runs at once on one service, one of them stopped mid-run. The runs
 * that must succeed have every station file in exactly one batch, the corrupt one reported by
 * name, and the per-month maxima equal to the reference.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { discountAlongside, runAlongside, untilBatchesSucceeded } from './harness/alongside.ts';
import {
  assertFleetEndsAtZero,
  type ExecutionRun,
  type FaultSuite,
  printFigures,
  runScenario,
  SCENARIO_TIMEOUT_MS,
  startFaultSuite,
} from './harness/fault-suite.ts';
import { assertWeatherIntact, datasetKeys, weatherScenario } from './harness/weather.ts';
import { sigtermStorms } from './harness/worker-signals.ts';

let suite: FaultSuite;
// Both scenarios read the same 120 files, one of them corrupt (written once).
const scenario = weatherScenario({ corrupt: 1 });
const corrupt = datasetKeys(scenario.dataset, 'corrupt');

before(async () => {
  suite = await startFaultSuite();
});
after(() => suite?.close());

test('GIVEN SIGTERM storms (Spot interruptions) while half the SendTaskSuccess and SendTaskHeartbeat responses are dropped THEN the table is unchanged', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  let signals = 0;
  const run = await runScenario(suite, {
    signal: t.signal,
    plan: scenario.plan,
    tuning: { name: 'weather-sigterm-dropped' },
    // Half, not the 30 % of the Monte Carlo run: a dozen batches must lose some responses.
    faults: [
      { service: 'states', operation: 'SendTaskSuccess', dropRate: 0.5 },
      { service: 'states', operation: 'SendTaskHeartbeat', dropRate: 0.5 },
    ],
    onStarted: async (context) => {
      signals = await sigtermStorms(suite.backend, context, { workers: 2, storms: 2 });
    },
  });
  run.figures.sigterms = signals;
  await assertWeatherIntact(suite, run, scenario, corrupt);
  printFigures(t, 'weather: SIGTERM storms, dropped responses', run.figures, run.taskErrors);
  assert.ok(signals > 0, 'workers got a SIGTERM');
  assert.ok(
    run.figures.workersStarted > scenario.plan.spec.fleet.maxWorkers,
    `replacements started (${run.figures.workersStarted} workers in all)`,
  );
  assert.ok(run.figures.dropped > 0, 'responses were dropped');
  // One SIGTERM each: a drain has ~10 s for batches of well under one, so none is interrupted
  // (a second signal to a draining worker, which forces its stop, would interrupt them).
  assert.equal(run.taskErrors['Worker.Interrupted'] ?? 0, 0, 'no batch was interrupted by a drain');
});

test('GIVEN two runs at once on one service, the second stopped mid-run THEN the first succeeds unchanged, the second is ABORTED, and the fleet ends at 0', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  let second: Promise<ExecutionRun> | undefined;
  let doneBeforeStop = 0;
  const first = await runScenario(suite, {
    signal: t.signal,
    plan: scenario.plan,
    tuning: { name: 'weather-two-runs' },
    onStarted: (context) => {
      second = runAlongside(context, async (executionArn) => {
        // Both runs hold the fleet: the second has finished a batch when it is stopped.
        doneBeforeStop = await untilBatchesSucceeded(context, executionArn, 1);
        await context.clients.sfn.send(
          new StopExecutionCommand({ executionArn, error: 'Test.Stop', cause: 'fault suite' }),
        );
      });
    },
  });
  assert.ok(second, 'the second execution started');
  const other = await second;
  assert.notEqual(first.executionArn, other.executionArn, 'two executions');
  assert.equal(other.status, 'ABORTED', other.log);
  assert.equal(other.error, 'Test.Stop');
  assert.ok(doneBeforeStop >= 1, 'the second run was at work when it was stopped');
  // The stop left its demand to the controller's reconcile; the first run's own ScaleDown must
  // not have kept (or dropped) workers for it: the first is checked first, with no reconcile.
  await assertWeatherIntact(suite, first, scenario, corrupt);
  await assertFleetEndsAtZero(suite, other);
  other.figures.batchesDoneBeforeStop = doneBeforeStop;
  discountAlongside(first, other, true);
  printFigures(t, 'weather: two runs at once (first; fault counts of both)', first.figures, first.taskErrors);
  printFigures(t, 'weather: two runs at once (second, stopped)', other.figures);
});
