import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_RETRYABLE_ERRORS,
  defineJob,
  type JobSpecError,
  type JobSpecInput,
  limits,
  SCALE_UP_TIMEOUT_SECONDS,
} from '@stepfleet/job';

const minimal: JobSpecInput = {
  name: 'credit-stress',
  items: { type: 's3-objects', prefix: 'in/' },
  worker: { handler: 'dist/handler.js' },
};

/** Runs defineJob on `spec` (cast: these specs are wrong on purpose) and returns the error's issue paths and messages. */
function rejection(spec: unknown): { paths: string[]; messages: string[]; error: JobSpecError } {
  try {
    defineJob(spec as JobSpecInput);
  } catch (error) {
    assert.equal((error as Error).name, 'JobSpecError');
    const e = error as JobSpecError;
    return { paths: e.issues.map((i) => i.path), messages: e.issues.map((i) => i.message), error: e };
  }
  assert.fail('defineJob accepted an invalid spec');
}

function withSpec(patch: Record<string, unknown>): unknown {
  return { ...minimal, ...patch };
}

describe('defineJob: defaults', () => {
  test('GIVEN a minimal spec WHEN defined THEN every default is filled in', () => {
    const job = defineJob(minimal);
    assert.deepEqual(job.items, { type: 's3-objects', prefix: 'in/' });
    assert.equal(job.batching.maxItems, 100);
    assert.equal(job.batching.maxBytes, limits.MAX_PAYLOAD_BYTES - limits.ENVELOPE_RESERVE_BYTES - 2);
    assert.deepEqual(job.batching.batchInput, {});
    assert.deepEqual(job.worker, {
      handler: 'dist/handler.js',
      cpu: 1024,
      memoryMiB: 2048,
      threads: 1,
      stopTimeoutSeconds: 120,
      environment: {},
    });
    assert.deepEqual(job.fleet, {
      minWorkers: 0,
      maxWorkers: 10,
      capacity: { onDemandBase: 1, onDemandWeight: 1, spotWeight: 3 },
    });
    assert.equal(job.maxConcurrency, 10, 'maxWorkers × threads');
    assert.deepEqual(job.toleratedFailure, { percentage: 0, count: 0 });
    assert.deepEqual(job.retry.errors, DEFAULT_RETRYABLE_ERRORS);
    assert.equal(job.retry.jitter, 'FULL');
    assert.deepEqual(job.activity, { timeoutSeconds: 3600, heartbeatSeconds: 60 });
    assert.deepEqual(job.results, { prefix: 'results/credit-stress' });
    assert.equal(job.aggregate, undefined);
    assert.equal(job.timeoutSeconds, SCALE_UP_TIMEOUT_SECONDS + 240 + 86_400);
  });

  test('GIVEN a defined job WHEN mutated THEN nothing changes, at any depth', () => {
    const job = defineJob({ ...minimal, batching: { batchInput: { nested: { a: [1] } } } });
    assert.ok(Object.isFrozen(job));
    assert.ok(Object.isFrozen(job.batching.batchInput.nested));
    assert.throws(() => {
      (job.fleet as { maxWorkers: number }).maxWorkers = 99;
    }, TypeError);
  });

  test('GIVEN a batchInput object WHEN defined THEN the job holds a copy, not the caller’s object', () => {
    const batchInput = { scenarios: 10 };
    const job = defineJob({ ...minimal, batching: { batchInput } });
    batchInput.scenarios = 20;
    assert.equal(job.batching.batchInput.scenarios, 10);
  });

  test('GIVEN a bigger worker WHEN defined THEN memory, threads and concurrency follow the CPU', () => {
    const job = defineJob({ ...minimal, worker: { handler: 'h.js', cpu: 4096 }, fleet: { maxWorkers: 3 } });
    assert.equal(job.worker.memoryMiB, 8192);
    assert.equal(job.worker.threads, 4);
    assert.equal(job.maxConcurrency, 12);
  });

  test('GIVEN maxConcurrency 0 WHEN defined THEN it is the Distributed Map maximum', () => {
    assert.equal(defineJob({ ...minimal, maxConcurrency: 0 }).maxConcurrency, 10_000);
  });

  test('GIVEN a short task timeout and no heartbeat WHEN defined THEN the heartbeat is half of it', () => {
    assert.deepEqual(defineJob({ ...minimal, activity: { timeoutSeconds: 30 } }).activity, {
      timeoutSeconds: 30,
      heartbeatSeconds: 15,
    });
  });

  test('GIVEN capacity modes WHEN defined THEN each becomes its strategy', () => {
    const of = (capacity: NonNullable<JobSpecInput['fleet']>['capacity']) =>
      defineJob({ ...minimal, fleet: { capacity } }).fleet.capacity;
    assert.deepEqual(of('spot'), { onDemandBase: 0, onDemandWeight: 0, spotWeight: 1 });
    assert.deepEqual(of('on-demand'), { onDemandBase: 0, onDemandWeight: 1, spotWeight: 0 });
    assert.deepEqual(of({ onDemandBase: 2, spotWeight: 4 }), {
      onDemandBase: 2,
      onDemandWeight: 0,
      spotWeight: 4,
    });
  });

  test('GIVEN aggregate: true WHEN defined THEN it takes the worker handler and the job retry', () => {
    const job = defineJob({ ...minimal, aggregate: true, retry: { maxAttempts: 5 } });
    assert.equal(job.aggregate?.handler, 'dist/handler.js');
    assert.equal(job.aggregate?.retry.maxAttempts, 5);
    assert.equal(job.aggregate?.heartbeatSeconds, 60);
  });

  test('GIVEN retry: false WHEN defined THEN the policy retries nothing', () => {
    assert.equal(defineJob({ ...minimal, retry: false }).retry.maxAttempts, 0);
  });

  test('GIVEN a trial run of known size WHEN defined THEN the timeout is derived from its batches', () => {
    const job = defineJob({
      ...minimal,
      items: { type: 'jsonl', key: 'in.jsonl', maxItems: 1000 },
      batching: { maxItems: 10 },
      maxConcurrency: 50,
      activity: { timeoutSeconds: 100, heartbeatSeconds: 10 },
      retry: { maxAttempts: 1, intervalSeconds: 5 },
    });
    // 100 batches in 2 waves of 50; each batch at worst 2 attempts × 100 s + 5 s of retry wait.
    assert.equal(job.timeoutSeconds, SCALE_UP_TIMEOUT_SECONDS + 240 + 2 * 205);
  });
});

describe('defineJob: rejections name their field', () => {
  const cases: { what: string; spec: unknown; path: string; says: RegExp }[] = [
    {
      what: 'batching.maxItems 0',
      spec: withSpec({ batching: { maxItems: 0 } }),
      path: 'batching.maxItems',
      says: /between 1 and 100000, got 0/,
    },
    {
      what: 'batching.maxBytes over 256 KiB',
      spec: withSpec({ batching: { maxBytes: 300_000 } }),
      path: 'batching.maxBytes',
      says: /262144/,
    },
    {
      what: 'batching.maxBytes leaving no room for the envelope',
      spec: withSpec({ batching: { maxBytes: 262_144 } }),
      path: 'batching.maxBytes',
      says: /must be at most 25\d{4}/,
    },
    {
      what: 'a batchInput key read as a path',
      spec: withSpec({ batching: { batchInput: { a: { 'b.$': '$.x' } } } }),
      path: 'batching.batchInput.a.b.$',
      says: /\.\$/,
    },
    {
      what: 'a non-JSON batchInput',
      spec: withSpec({ batching: { batchInput: { when: new Date() } } }),
      path: 'batching.batchInput',
      says: /JSON object/,
    },
    {
      what: 'heartbeat ≥ timeout',
      spec: withSpec({ activity: { timeoutSeconds: 60, heartbeatSeconds: 60 } }),
      path: 'activity.heartbeatSeconds',
      says: /less than activity.timeoutSeconds \(60\), got 60/,
    },
    {
      what: 'aggregate heartbeat ≥ timeout',
      spec: withSpec({ aggregate: { timeoutSeconds: 10, heartbeatSeconds: 20 } }),
      path: 'aggregate.heartbeatSeconds',
      says: /less than aggregate.timeoutSeconds/,
    },
    {
      what: 'concurrency over 10,000',
      spec: withSpec({ maxConcurrency: 10_001 }),
      path: 'maxConcurrency',
      says: /between 0 and 10000/,
    },
    {
      what: 'negative concurrency',
      spec: withSpec({ maxConcurrency: -1 }),
      path: 'maxConcurrency',
      says: /got -1/,
    },
    {
      what: 'stop timeout over 120',
      spec: withSpec({ worker: { handler: 'h', stopTimeoutSeconds: 121 } }),
      path: 'worker.stopTimeoutSeconds',
      says: /between 1 and 120, got 121/,
    },
    {
      what: 'a CPU Fargate lacks',
      spec: withSpec({ worker: { handler: 'h', cpu: 1000 } }),
      path: 'worker.cpu',
      says: /256, 512, 1024/,
    },
    {
      what: 'memory invalid for the CPU',
      spec: withSpec({ worker: { handler: 'h', cpu: 256, memoryMiB: 4096 } }),
      path: 'worker.memoryMiB',
      says: /cpu 256 \(512, 1024, 2048\), got 4096/,
    },
    {
      what: 'memory off the step',
      spec: withSpec({ worker: { handler: 'h', cpu: 8192, memoryMiB: 17_000 } }),
      path: 'worker.memoryMiB',
      says: /16384\.\.61440 in steps of 4096/,
    },
    {
      what: 'an empty handler',
      spec: withSpec({ worker: { handler: ' ' } }),
      path: 'worker.handler',
      says: /handler module/,
    },
    {
      what: 'a bad environment name',
      spec: withSpec({ worker: { handler: 'h', environment: { 'A-B': 'x' } } }),
      path: 'worker.environment.A-B',
      says: /environment variable/,
    },
    {
      what: 'threads 0',
      spec: withSpec({ worker: { handler: 'h', threads: 0 } }),
      path: 'worker.threads',
      says: /between 1 and 256/,
    },
    {
      what: 'minWorkers over maxWorkers',
      spec: withSpec({ fleet: { minWorkers: 5, maxWorkers: 2 } }),
      path: 'fleet.minWorkers',
      says: /at most fleet.maxWorkers \(2\)/,
    },
    {
      what: 'maxWorkers over the ECS limit',
      spec: withSpec({ fleet: { maxWorkers: 5001 } }),
      path: 'fleet.maxWorkers',
      says: /5000/,
    },
    {
      what: 'an unknown capacity mode',
      spec: withSpec({ fleet: { capacity: 'cheap' } }),
      path: 'fleet.capacity',
      says: /"on-demand", "spot", "mixed"/,
    },
    {
      what: 'a strategy with no weight',
      spec: withSpec({ fleet: { capacity: { onDemandBase: 1 } } }),
      path: 'fleet.capacity',
      says: /weight above 0/,
    },
    {
      what: 'tolerated percentage over 100',
      spec: withSpec({ toleratedFailure: { percentage: 101 } }),
      path: 'toleratedFailure.percentage',
      says: /between 0 and 100/,
    },
    {
      what: 'a fractional tolerated count',
      spec: withSpec({ toleratedFailure: { count: 1.5 } }),
      path: 'toleratedFailure.count',
      says: /integer/,
    },
    {
      what: 'States.ALL next to other errors',
      spec: withSpec({ retry: { errors: ['States.ALL', 'Worker.Crashed'] } }),
      path: 'retry.errors',
      says: /States.ALL alone/,
    },
    {
      what: 'an unknown States error',
      spec: withSpec({ retry: { errors: ['States.Nope'] } }),
      path: 'retry.errors[0]',
      says: /not a States error/,
    },
    {
      what: 'backoff below 1',
      spec: withSpec({ retry: { backoffRate: 0.5 } }),
      path: 'retry.backoffRate',
      says: /between 1 and/,
    },
    {
      what: 'max delay below the interval',
      spec: withSpec({ retry: { intervalSeconds: 10, maxDelaySeconds: 5 } }),
      path: 'retry.maxDelaySeconds',
      says: /at least intervalSeconds \(10\)/,
    },
    {
      what: 'an unknown jitter',
      spec: withSpec({ retry: { jitter: 'HALF' } }),
      path: 'retry.jitter',
      says: /"FULL", "NONE"/,
    },
    { what: 'an uppercase job name', spec: withSpec({ name: 'Credit' }), path: 'name', says: /lowercase/ },
    {
      what: 'a job name too long',
      spec: withSpec({ name: `a${'b'.repeat(40)}` }),
      path: 'name',
      says: /1-40/,
    },
    { what: 'a job name ending in a hyphen', spec: withSpec({ name: 'job-' }), path: 'name', says: /hyphen/ },
    {
      what: 'an unknown item source',
      spec: withSpec({ items: { type: 'parquet', key: 'x' } }),
      path: 'items.type',
      says: /"s3-objects", "csv"/,
    },
    {
      what: 'a CSV without a key',
      spec: withSpec({ items: { type: 'csv' } }),
      path: 'items.key',
      says: /string/,
    },
    {
      what: 'a prefix on a CSV source',
      spec: withSpec({ items: { type: 'csv', key: 'a.csv', prefix: 'x' } }),
      path: 'items.prefix',
      says: /not a known field/,
    },
    {
      what: 'repeated CSV headers',
      spec: withSpec({ items: { type: 'csv', key: 'a.csv', headers: ['a', 'a'] } }),
      path: 'items.headers[1]',
      says: /repeats/,
    },
    {
      what: 'a CSV delimiter Step Functions lacks',
      spec: withSpec({ items: { type: 'csv', key: 'a.csv', delimiter: ':' } }),
      path: 'items.delimiter',
      says: /one of/,
    },
    {
      what: 'trial maxItems 0',
      spec: withSpec({ items: { type: 'json', key: 'a.json', maxItems: 0 } }),
      path: 'items.maxItems',
      says: /between 1 and 100000000/,
    },
    {
      what: 'a bucket name S3 refuses',
      spec: withSpec({ items: { type: 'manifest', key: 'm.json', bucket: 'My_Bucket' } }),
      path: 'items.bucket',
      says: /S3 bucket name/,
    },
    {
      what: 'a key with a leading slash',
      spec: withSpec({ items: { type: 'jsonl', key: '/a.jsonl' } }),
      path: 'items.key',
      says: /leading slash/,
    },
    {
      what: 'a results prefix ending in a slash',
      spec: withSpec({ results: { prefix: 'out/' } }),
      path: 'results.prefix',
      says: /must not end with "\/"/,
    },
    {
      what: 'a state machine timeout over a year',
      spec: withSpec({ timeoutSeconds: 31_536_001 }),
      path: 'timeoutSeconds',
      says: /31536000/,
    },
    {
      what: 'a typo in a field name',
      spec: withSpec({ batching: { maxItem: 5 } }),
      path: 'batching.maxItem',
      says: /not a known field \(known: maxItems, maxBytes, batchInput\)/,
    },
    {
      what: 'a missing worker',
      spec: { name: 'j', items: { type: 's3-objects' } },
      path: 'worker',
      says: /must be an object, got nothing/,
    },
  ];
  for (const { what, spec, path, says } of cases) {
    test(`GIVEN ${what} WHEN defined THEN the error names ${path}`, () => {
      const { paths, messages } = rejection(spec);
      assert.deepEqual(paths, [path], messages.join('\n'));
      assert.match(messages[0]!, new RegExp(`^${path.replace(/[.[\]$]/g, '\\$&')} `));
      assert.match(messages[0]!, says);
    });
  }

  test('GIVEN several problems WHEN defined THEN all are reported at once, in one message', () => {
    const { paths, error } = rejection({
      name: 'Bad Name',
      items: { type: 'csv', key: 'a.csv' },
      batching: { maxItems: 0 },
      activity: { timeoutSeconds: 10, heartbeatSeconds: 10 },
      worker: { handler: 'h', stopTimeoutSeconds: 300 },
      maxConcurrency: 20_000,
      timeoutSeconds: 0,
    });
    assert.deepEqual(paths.sort(), [
      'activity.heartbeatSeconds',
      'batching.maxItems',
      'maxConcurrency',
      'name',
      'timeoutSeconds',
      'worker.stopTimeoutSeconds',
    ]);
    assert.match(error.message, /^invalid job spec \(6 problems\):\n {2}- /);
    assert.match(error.message, /batching\.maxItems must be an integer between 1 and 100000, got 0/);
  });

  test('GIVEN something that is not an object WHEN defined THEN the root is named', () => {
    const { messages } = rejection('credit-stress');
    assert.deepEqual(messages, ['the spec must be an object, got "credit-stress"']);
  });
});
