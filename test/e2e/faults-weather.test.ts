/**
 * Fault suite, the I/O-bound weather job (per-item mode): corrupt and missing station files
 * from its generator, and its handler's fault test mode (throws on some items, hangs on one,
 * crashes its thread on one); then so many corrupt files that the tolerated failure is breached.
 * Every station file must be an item of exactly one batch, the failed ones reported by name, and
 * the per-month maxima equal the reference over the files read.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  assertFleetEndsAtZero,
  type FaultSuite,
  printFigures,
  runScenario,
  SCENARIO_TIMEOUT_MS,
  startFaultSuite,
} from './harness/fault-suite.ts';
import {
  assertWeatherIntact,
  assertWeatherItemsOnce,
  datasetKeys,
  weatherScenario,
} from './harness/weather.ts';
import { killWorkersAtRandom } from './harness/worker-signals.ts';

let suite: FaultSuite;

before(async () => {
  suite = await startFaultSuite();
});
after(() => suite?.close());

test('GIVEN corrupt and missing files and a handler that throws, hangs and crashes its thread THEN the job succeeds with exactly those files failed', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  const damaged = weatherScenario({ corrupt: 2, missing: 1 });
  const valid = datasetKeys(damaged.dataset, 'valid');
  const [throwA, throwB, hang, crash] = [valid[3]!, valid[40]!, valid[61]!, valid[95]!];
  // The faults fire on the first attempt: a hung or crashed batch's retry succeeds.
  const scenario = weatherScenario({
    corrupt: 2,
    missing: 1,
    // 100 simulated seconds (10 s): the worker's deadline, which ends the hang, keeps a 2 s
    // real-time margin and counts the time queued.
    activityTimeoutSeconds: 100,
    faults: { throwOnKeys: [throwA, throwB], hangOnKey: hang, crashThreadOnKey: crash, attempts: 1 },
    // One batch per thread: a crashed or terminated (hung) thread fails every batch it runs, and
    // a thrown item's batch retried clean that way would not report it (it throws on attempt 0 only).
    tasksPerThread: 1,
  });
  const run = await runScenario(suite, {
    signal: t.signal,
    plan: scenario.plan,
    // The job retries 'States.Timeout' ("a timed-out batch is retried"), but the worker reports
    // its own deadline first as 'Handler.Timeout', which the job does not retry (reported).
    tuning: { name: 'weather-damaged', alsoRetry: ['Handler.Timeout'] },
  });
  const failed = [
    ...datasetKeys(scenario.dataset, 'corrupt'),
    ...datasetKeys(scenario.dataset, 'missing'),
    throwA,
    throwB,
  ];
  await assertWeatherIntact(suite, run, scenario, failed);
  assert.ok(
    run.figures.retries >= 2,
    `the hung and the crashed batches were retried (${run.figures.retries} retries)`,
  );
  printFigures(t, 'weather: corrupt, missing, throws, hang, crash', run.figures);
});

test('GIVEN more corrupt files than the job tolerates THEN it fails with Weather.TooManyFailedItems and the fleet ends at 0', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  // 10 of 120 files (8 %) against 5 % tolerated.
  const scenario = weatherScenario({ corrupt: 10 });
  const run = await runScenario(suite, {
    signal: t.signal,
    plan: scenario.plan,
    tuning: { name: 'weather-breach' },
  });
  assert.equal(run.status, 'FAILED', run.log);
  assert.equal(run.error, 'Weather.TooManyFailedItems', `${run.cause}\n${run.log}`);
  assert.match(run.cause ?? '', /10/, 'the cause gives the count');
  await assertWeatherItemsOnce(suite.s3, run, scenario);
  await assertFleetEndsAtZero(suite, run);
  run.figures.items = scenario.dataset.objects.length;
  printFigures(t, 'weather: tolerated failure breached', run.figures);
});

test('GIVEN workers SIGKILLed at random while every call is slowed by 50 ms and 20 % of Step Functions calls are throttled THEN the table is unchanged', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  const scenario = weatherScenario({ corrupt: 1 });
  let kills = 0;
  const run = await runScenario(suite, {
    signal: t.signal,
    plan: scenario.plan,
    // Kills can hit a batch more than once; the job's retries must outlast them.
    tuning: { name: 'weather-killed', maxAttempts: 5 },
    faults: [
      { service: '*', latencyMs: 50 },
      { service: 'states', throttleRate: 0.2 },
    ],
    onStarted: async (context) => {
      kills = await killWorkersAtRandom(suite.backend, context, { kills: 2, everyMs: 500 });
    },
  });
  run.figures.kills = kills;
  await assertWeatherIntact(suite, run, scenario, datasetKeys(scenario.dataset, 'corrupt'));
  printFigures(t, 'weather: SIGKILL, latency, throttling', run.figures);
  assert.ok(kills > 0, 'workers were killed');
  assert.ok(run.figures.throttled > 0, 'calls were throttled');
});
