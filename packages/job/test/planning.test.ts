import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  defineJob,
  desiredWorkers,
  fargateMemoryFor,
  isValidFargateSize,
  type JobSpecInput,
  limits,
  plannedBatches,
  resourceNames,
} from '@stepfleet/job';

const spec: JobSpecInput = {
  name: 'plan',
  items: { type: 's3-objects' },
  batching: { maxItems: 10 },
  worker: { handler: 'h.js', cpu: 2048 },
  fleet: { minWorkers: 1, maxWorkers: 8 },
};

describe('plannedBatches', () => {
  const job = defineJob(spec);

  test('GIVEN item counts WHEN planned THEN batches are counted by batching.maxItems, rounding up', () => {
    assert.deepEqual(
      [0, 1, 10, 11, 1000].map((n) => plannedBatches(job, n)),
      [0, 1, 1, 2, 100],
    );
  });

  test('GIVEN a trial cap on the source WHEN planned THEN only the capped items count', () => {
    const trial = defineJob({ ...spec, items: { type: 's3-objects', maxItems: 25 } });
    assert.equal(plannedBatches(trial, 1000), 3);
    assert.equal(plannedBatches(trial, 5), 1);
  });

  test('GIVEN a count that is not a count WHEN planned THEN it is refused', () => {
    assert.throws(() => plannedBatches(job, -1), RangeError);
    assert.throws(() => plannedBatches(job, 2.5), RangeError);
  });
});

describe('desiredWorkers', () => {
  const job = defineJob(spec); // 2 threads per worker, 1..8 workers, maxConcurrency 16

  test('GIVEN planned batches WHEN sized THEN slots cover them within the fleet bounds', () => {
    assert.deepEqual(
      [undefined, 0, 1, 3, 4, 15, 100].map((b) => desiredWorkers(job, b)),
      [8, 1, 1, 2, 2, 8, 8],
    );
  });

  test('GIVEN a concurrency below the fleet WHEN sized THEN concurrency caps the size', () => {
    assert.equal(desiredWorkers(defineJob({ ...spec, maxConcurrency: 5 })), 3);
  });

  test('GIVEN minWorkers 0 and nothing planned WHEN sized THEN the fleet is 0', () => {
    assert.equal(desiredWorkers(defineJob({ ...spec, fleet: { maxWorkers: 8 } }), 0), 0);
  });
});

describe('resourceNames', () => {
  test('GIVEN the longest job name WHEN named THEN every name fits its AWS limit', () => {
    const name = `j${'x'.repeat(limits.MAX_JOB_NAME_CHARS - 1)}`;
    defineJob({ ...spec, name });
    const names = resourceNames(name);
    assert.ok(
      names.stateMachine.length <= 80 && names.activity.length <= 80 && names.aggregateActivity.length <= 80,
    );
    assert.ok(names.service.length <= 255 && names.cluster.length <= 255);
    assert.ok(names.workerLogGroup.length <= 512 && names.stateMachineLogGroup.length <= 512);
    for (const value of [names.stateMachine, names.activity, names.aggregateActivity, names.service]) {
      assert.match(value, /^[a-z0-9-]+$/);
    }
  });

  test('GIVEN a job name WHEN named THEN the names are distinct and derived from it', () => {
    const names = resourceNames('credit-stress');
    assert.equal(names.activity, 'credit-stress-batch');
    assert.equal(names.service, 'credit-stress-workers');
    assert.equal(new Set([names.activity, names.aggregateActivity, names.stateMachine]).size, 3);
  });
});

describe('Fargate task sizes', () => {
  test('GIVEN the documented table WHEN checked THEN edges are in and their neighbours out', () => {
    assert.deepEqual(fargateMemoryFor(256), [512, 1024, 2048]);
    assert.equal(fargateMemoryFor(512).length, 4);
    assert.ok(isValidFargateSize(4096, 30_720));
    assert.ok(!isValidFargateSize(4096, 31_744));
    assert.ok(isValidFargateSize(16_384, 122_880));
    assert.ok(!isValidFargateSize(16_384, 36_864), '16 vCPU steps by 8 GiB');
    assert.ok(!isValidFargateSize(3072, 8192));
  });
});
