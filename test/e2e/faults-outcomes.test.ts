/**
 * Fault suite, outcomes and the controller: the Monte Carlo job stopped mid-run
 * (StopExecution), timed out (a short state machine timeout, on a batch whose thread blocks for
 * good), fed a malformed loan row, and run
 * while its `stepfleet controller` process is SIGKILLed and restarted. Each ends as the job spec
 * promises, with the fleet at 0 and no process left.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { loanId } from '@stepfleet/example-monte-carlo';
import type { JobPlan } from 'stepfleet';
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
import { assertMonteCarloIntact, monteCarloPlan, withCorruptLoanRow } from './harness/monte-carlo.ts';
import { assertNoItemTwice } from './harness/result-writer.ts';
import { untilTasksHeld } from './harness/worker-signals.ts';

let suite: FaultSuite;
let plan: JobPlan;
let controllers: ControllerRegistry;

before(async () => {
  suite = await startFaultSuite();
  plan = await monteCarloPlan();
  controllers = await controllerRegistry();
});
after(async () => {
  await controllers?.close();
  await suite?.close();
});

test('GIVEN a run stopped with StopExecution mid-run THEN it is ABORTED and the controller brings the fleet to 0', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  const run = await runScenario(suite, {
    signal: t.signal,
    plan,
    tuning: { name: 'mc-stopped' },
    onStarted: async (context) => {
      await untilTasksHeld(suite.backend, context, 2);
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
  run.figures.items = (await assertNoItemTwice(suite.s3, 'mc-stopped')).succeededItems;
  printFigures(t, 'stopped', run.figures);
});

test('GIVEN a batch whose thread blocks for good and a state machine timeout THEN the run is TIMED_OUT, the blocked thread is terminated, and the fleet ends at 0', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  // The fault test mode blocks the batch of loan 205 on every attempt (it never yields, so it
  // never sees its signal): the run cannot end before its timeout, 150 simulated seconds (15 s:
  // on a loaded CI machine the fleet's start alone took 5 s, and no batch had finished by then).
  // The batch's own deadline (900 simulated seconds, 88 s) is past the fleet check's bound, so the
  // worker must learn the task is gone (heartbeat refused) and terminate the thread in time.
  const run = await runScenario(suite, {
    signal: t.signal,
    plan,
    tuning: { name: 'mc-timeout', timeoutSeconds: 150, batchInput: { faults: { hangOnLoan: loanId(205) } } },
  });
  assert.equal(run.status, 'TIMED_OUT', run.log);
  assert.equal(run.error, 'States.Timeout');
  await assertFleetEndsAtZero(suite, run);
  run.figures.items = (await assertNoItemTwice(suite.s3, 'mc-timeout')).succeededItems;
  printFigures(t, 'timed out on a blocked batch', run.figures, run.taskErrors);
  assert.ok(run.figures.batchesSucceeded >= 1, 'it timed out mid-run, batches done');
  assert.ok(run.figures.batchesSucceeded < run.figures.batches, 'the blocked batch never finished');
});

test('GIVEN the stepfleet controller process SIGKILLed mid-run, its fleet lost while it is down, and restarted THEN the new one brings the fleet back and the run succeeds unchanged', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  let outage: ControllerOutage | undefined;
  const run = await runScenario(suite, {
    signal: t.signal,
    plan,
    tuning: { name: 'mc-controller-kill' },
    // Only the controller process reconciles (the scale steps still invoke the local function).
    reconcileSeconds: 3600,
    onStarted: async (context) => {
      outage = await controllerOutage(suite.backend, context, { controllers, spec: plan.spec });
    },
  });
  await assertMonteCarloIntact(suite, run, plan, suite.s3);
  run.figures.controllerKills = 1;
  run.figures.workersLost = outage?.workersLost ?? 0;
  run.figures.reconcilesAfterRestart = await assertOutageRepaired(outage);
  printFigures(t, 'controller killed and restarted', run.figures);
});

test('GIVEN a malformed loan row in the portfolio THEN its batch fails Loan.Invalid naming the file and row, unretried, and the run fails with States.ExceedToleratedFailureThreshold', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  // A portfolio of its own (100 loans, 10 files), so no other scenario reads the damage. A risk
  // figure over part of a portfolio would be wrong: the job tolerates no failed batch, and a
  // malformed row fails the same way on every attempt, so it is not retried.
  const corrupt = withCorruptLoanRow(await monteCarloPlan({ loans: 100 }), 3, 4);
  const run = await runScenario(suite, {
    signal: t.signal,
    plan: corrupt.plan,
    tuning: { name: 'mc-corrupt-row' },
  });
  assert.equal(run.status, 'FAILED', run.log);
  assert.equal(run.error, 'States.ExceedToleratedFailureThreshold', `${run.cause}\n${run.log}`);
  assert.equal(
    run.taskErrors['Loan.Invalid'],
    1,
    'one attempt of one batch failed Loan.Invalid: not retried',
  );
  const { succeededItems, failed } = await assertNoItemTwice(suite.s3, 'mc-corrupt-row', [corrupt.key]);
  // The Map Run's failure aborts the batches still running (they are exported as ABORTED).
  const failedBatches = failed.filter((entry) => entry.Status === 'FAILED');
  assert.equal(failedBatches.length, 1, 'one batch failed');
  assert.ok(
    failed.every((entry) => entry.Status === 'FAILED' || entry.Status === 'ABORTED'),
    'the others still running were aborted',
  );
  assert.equal(failedBatches[0]!.Error, 'Loan.Invalid');
  assert.match(
    failedBatches[0]!.Cause ?? '',
    new RegExp(`${corrupt.key} line ${corrupt.line}: not valid JSON`),
  );
  // The Catch went through ScaleDown: the fleet is at 0 without any reconcile.
  await assertFleetEndsAtZero(suite, run);
  run.figures.items = 100;
  run.figures.succeededFiles = succeededItems;
  run.figures.abortedBatches = failed.length - 1;
  printFigures(t, 'malformed loan row', run.figures, run.taskErrors);
});
