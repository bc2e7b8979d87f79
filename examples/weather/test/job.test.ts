/**
 * The job spec the example builds: where items come from, how batches fill the fleet's slots,
 * what is tolerated and retried, and bad options refused with the field named.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WEATHER_HANDLERS, WEATHER_PREFIX, weatherJob } from '../src/job.ts';
import { weatherPlan } from '../src/job-module.ts';

test('the default job lists the prefix, fills every slot, tolerates 5 % and retries timed-out batches', () => {
  const job = weatherJob();
  assert.deepEqual(job.items, { type: 's3-objects', prefix: WEATHER_PREFIX });
  // 2 workers × 1 thread × 4 batches per thread
  assert.equal(job.maxConcurrency, 8);
  assert.equal(job.worker.environment.STEPFLEET_TASKS_PER_THREAD, '4');
  assert.equal(job.toleratedFailure.percentage, 5);
  assert.deepEqual(job.batching.batchInput, { toleratedFailurePercentage: 5 });
  for (const error of ['Worker.Crashed', 'Worker.Interrupted', 'Handler.Timeout', 'States.Timeout']) {
    assert.ok(job.retry.errors.includes(error), error);
  }
  assert.equal(job.worker.handler, WEATHER_HANDLERS.source.batch);
  assert.equal(job.aggregate?.handler, WEATHER_HANDLERS.source.aggregate);
});

test('the manifest as item source, the bucket and the faults reach the batches', () => {
  const faults = { throwOnKeys: ['a.csv'], attempts: 1 };
  const job = weatherJob({
    itemSource: 'manifest',
    bucket: 'noaa-input',
    prefix: 'x/y/',
    faults,
    threads: 2,
    tasksPerThread: 3,
    maxWorkers: 5,
  });
  assert.deepEqual(job.items, { type: 'json', bucket: 'noaa-input', key: 'x/y.manifest.json' });
  assert.deepEqual(job.batching.batchInput, {
    toleratedFailurePercentage: 5,
    itemsBucket: 'noaa-input',
    faults,
  });
  assert.equal(job.maxConcurrency, 30);
  // The CLI's plan: a local run reads its own bucket, the manifest when objects are missing.
  const plan = weatherPlan({ target: 'local', items: 10, seed: 's' }, { missing: 1 });
  assert.equal(plan.spec.items.type, 'json');
  assert.equal(plan.spec.items.bucket, 'stepfleet-weather-input');
  assert.match(plan.spec.worker.handler, /examples\/weather\/src\/handler\.ts$/);
  assert.equal(weatherPlan({ target: 'aws' }).spec.worker.handler, WEATHER_HANDLERS.compiled.batch);
});

test('bad options are refused with the field named', () => {
  assert.throws(
    () => weatherJob({ toleratedFailurePercentage: 150 }),
    /BatchInput\.toleratedFailurePercentage: must be a number in \[0, 100\], got 150/,
  );
  assert.throws(
    () => weatherJob({ faults: { crashMode: 'boom' as never } }),
    /BatchInput\.faults\.crashMode: must be 'exit' or 'uncaught'/,
  );
  assert.throws(() => weatherJob({ filesPerBatch: 0 }), /batching\.maxItems/);
  assert.throws(
    () => weatherPlan({ target: 'local', items: 0 }),
    /--items must be a number of station files/,
  );
});
