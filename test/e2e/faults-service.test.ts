/**
 * Fault suite, the service: the Monte Carlo job while the backend throttles 20 % of every Step
 * Functions call, adds 50 ms to every call, or drops the responses of SendTaskSuccess and
 * SendTaskHeartbeat after they took effect; and two runs at once on one service. Each run must
 * succeed with every item's result once and the result equal, bit for bit, to the undisturbed one.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { JobPlan } from 'stepfleet';
import { discountAlongside, runAlongside } from './harness/alongside.ts';
import {
  type ExecutionRun,
  type FaultSuite,
  printFigures,
  runScenario,
  SCENARIO_TIMEOUT_MS,
  startFaultSuite,
} from './harness/fault-suite.ts';
import { assertMonteCarloIntact, monteCarloPlan } from './harness/monte-carlo.ts';

let suite: FaultSuite;
let plan: JobPlan;

before(async () => {
  suite = await startFaultSuite();
  plan = await monteCarloPlan();
});
after(() => suite?.close());

test('GIVEN 20 % ThrottlingException on every Step Functions call THEN the job succeeds unchanged', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  const run = await runScenario(suite, {
    signal: t.signal,
    plan,
    tuning: { name: 'mc-throttled' },
    faults: [{ service: 'states', throttleRate: 0.2 }],
  });
  await assertMonteCarloIntact(suite, run, plan, suite.s3);
  printFigures(t, '20 % throttling', run.figures);
  assert.ok(run.figures.throttled > 0, 'calls were throttled');
});

test('GIVEN 50 ms added to every call (Step Functions, ECS, S3) THEN the job succeeds unchanged', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  const run = await runScenario(suite, {
    signal: t.signal,
    plan,
    tuning: { name: 'mc-latency' },
    faults: [{ service: '*', latencyMs: 50 }],
  });
  await assertMonteCarloIntact(suite, run, plan, suite.s3);
  printFigures(t, '50 ms latency', run.figures);
});

test('GIVEN responses of SendTaskSuccess and SendTaskHeartbeat dropped after they took effect THEN no batch is counted twice', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  const run = await runScenario(suite, {
    signal: t.signal,
    plan,
    tuning: { name: 'mc-dropped' },
    faults: [
      { service: 'states', operation: 'SendTaskSuccess', dropRate: 0.3 },
      { service: 'states', operation: 'SendTaskHeartbeat', dropRate: 0.3 },
    ],
  });
  await assertMonteCarloIntact(suite, run, plan, suite.s3);
  printFigures(t, 'dropped responses', run.figures);
  assert.ok(run.figures.dropped > 0, 'responses were dropped');
});

test('GIVEN two runs at once on one service THEN both succeed with the same result and the fleet ends at 0', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  let second: Promise<ExecutionRun> | undefined;
  const first = await runScenario(suite, {
    signal: t.signal,
    plan,
    tuning: { name: 'mc-two-runs' },
    onStarted: (context) => {
      second = runAlongside(context);
    },
  });
  assert.ok(second, 'the second execution started');
  const other = await second;
  assert.notEqual(first.executionArn, other.executionArn, 'two executions');
  await assertMonteCarloIntact(suite, first, plan, suite.s3);
  await assertMonteCarloIntact(suite, other, plan, suite.s3);
  // The backend's task counters saw both runs: the second's tasks are not retries of the first.
  discountAlongside(first, other, true);
  printFigures(t, 'two runs at once (first; fault counts of both)', first.figures);
  printFigures(t, 'two runs at once (second)', other.figures);
});
