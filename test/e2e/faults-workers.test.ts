/**
 * Fault suite, workers: the Monte Carlo job on the local backend with real worker processes,
 * undisturbed, then with workers SIGKILLed at random and with SIGTERM storms (a Spot
 * interruption). Each run must succeed with every item's result once and the result equal,
 * bit for bit, to the undisturbed one.
 */
import { after, before, test } from 'node:test';
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
  const run = await runScenario(suite, { plan, tuning: { name: 'mc-undisturbed' } });
  await assertMonteCarloIntact(suite, run, plan, suite.s3);
  printFigures(t, 'undisturbed', run.figures);
});

test('GIVEN workers SIGKILLed at random during the run THEN their batches come back and the result is unchanged', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  let kills = 0;
  const run = await runScenario(suite, {
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
});
