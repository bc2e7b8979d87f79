/**
 * Fault suite, workers: the Monte Carlo job on the local backend with real worker processes,
 * undisturbed, then with workers SIGKILLed at random, with SIGTERM storms (a Spot
 * interruption), and with its handler's fault test mode (throws, a hang, a crashed thread).
 * Each run must succeed with every item's result once and the result equal, bit for bit, to the
 * undisturbed one.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loanId, type MonteCarloFaults } from '@stepfleet/example-monte-carlo';
import type { JobPlan } from 'stepfleet';
import {
  type FaultSuite,
  printFigures,
  runScenario,
  SCENARIO_TIMEOUT_MS,
  startFaultSuite,
} from './harness/fault-suite.ts';
import { assertMonteCarloIntact, monteCarloPlan } from './harness/monte-carlo.ts';
import { killWorkersAtRandom, sigtermStorms } from './harness/worker-signals.ts';

let suite: FaultSuite;
let plan: JobPlan;

before(async () => {
  suite = await startFaultSuite();
  plan = await monteCarloPlan();
});
after(() => suite?.close());

test('GIVEN no fault WHEN the Monte Carlo job runs THEN its result equals the in-process computation', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  const run = await runScenario(suite, { signal: t.signal, plan, tuning: { name: 'mc-undisturbed' } });
  await assertMonteCarloIntact(suite, run, plan, suite.s3);
  printFigures(t, 'undisturbed', run.figures);
});

test('GIVEN workers SIGKILLed at random during the run THEN their batches come back and the result is unchanged', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  let kills = 0;
  const run = await runScenario(suite, {
    signal: t.signal,
    plan,
    // Kills can hit a batch more than once; the job's retries must outlast them.
    tuning: { name: 'mc-sigkill', maxAttempts: 5 },
    onStarted: async (context) => {
      kills = await killWorkersAtRandom(suite.backend, context, { kills: 3, everyMs: 400 });
    },
  });
  run.figures.kills = kills;
  await assertMonteCarloIntact(suite, run, plan, suite.s3);
  printFigures(t, 'SIGKILL at random', run.figures);
  if (kills === 0) throw new Error('no worker was killed: the scenario tested nothing');
});

test('GIVEN SIGTERM storms (Spot interruptions) THEN workers drain, replacements finish, the result is unchanged', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  let signals = 0;
  const run = await runScenario(suite, {
    signal: t.signal,
    plan,
    tuning: { name: 'mc-sigterm' },
    onStarted: async (context) => {
      signals = await sigtermStorms(suite.backend, context, { workers: 2, storms: 2 });
    },
  });
  run.figures.sigterms = signals;
  await assertMonteCarloIntact(suite, run, plan, suite.s3);
  printFigures(t, 'SIGTERM storms', run.figures);
  if (signals === 0) throw new Error('no worker got a SIGTERM: the scenario tested nothing');
  // One SIGTERM each, and batches far shorter than the ~10 s drain: none is interrupted.
  assert.equal(run.taskErrors['Worker.Interrupted'] ?? 0, 0, 'no batch was interrupted by a drain');
});

test('GIVEN a handler that throws on two batches, hangs on one and crashes its thread on one (first attempts) THEN the retries give the result unchanged', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  // Loans of four different batches (files of 10 loans each).
  const faults = {
    throwOnLoans: [loanId(5), loanId(105)],
    hangOnLoan: loanId(205),
    crashThreadOnLoan: loanId(305),
    attempts: 1,
  } satisfies MonteCarloFaults;
  const run = await runScenario(suite, {
    signal: t.signal,
    plan,
    tuning: {
      name: 'mc-handler-faults',
      batchInput: { faults },
      // The thrown fault stands for a transient error: the job is told to retry it.
      alsoRetry: ['MonteCarlo.InjectedFault'],
      // The hang never yields: the worker aborts it at this deadline, then terminates its thread.
      workerEnvironment: { STEPFLEET_HANDLER_TIMEOUT_MS: '3000' },
    },
  });
  await assertMonteCarloIntact(suite, run, plan, suite.s3);
  printFigures(t, 'handler throws, hangs, crashes', run.figures, run.taskErrors);
  const errors = run.taskErrors;
  assert.equal(errors['MonteCarlo.InjectedFault'], 2, 'two batches threw, once each');
  assert.ok((errors['Handler.Timeout'] ?? 0) >= 1, 'the hung batch timed out');
  assert.ok((errors['Worker.Crashed'] ?? 0) >= 1, 'the crashed thread failed its batch');
  assert.ok(run.figures.retries >= 4, `each failed batch was retried (${run.figures.retries} retries)`);
});
