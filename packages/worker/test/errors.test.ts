/**
 * What must hold 5 and 10: a handler that throws, hangs, exits its thread or runs out of
 * memory gets its named error, and malformed input or input failing the schema gets
 * `Input.Invalid`; after each the same worker process keeps serving.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchInput, fixture, startBackend, startWorker } from './helpers.ts';

test('failures get their names and the worker keeps serving', async (t) => {
  // GIVEN a worker with two threads (one poller per activity), a 6 s handler timeout and a 64 MB heap per thread.
  // The deadline counts a thread's module load, and a crashed thread's replacement loads the
  // handler anew on its first task: under load that alone can take seconds, so a tighter
  // deadline turned the 'oom' case after 'exit' into Handler.Timeout.
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 2 }, ['behaviors', 'validated']);
  const [behaviors, validated] = arns as [string, string];
  const worker = startWorker(t, backend, {
    STEPFLEET_ACTIVITY_ARN: `${behaviors}=${fixture('behaviors.ts')},${validated}=${fixture('validated.ts')}`,
    STEPFLEET_THREADS: '2',
    STEPFLEET_HANDLER_TIMEOUT_MS: '6000',
    STEPFLEET_MAX_OLD_GENERATION_MB: '64',
  });
  const run = (arn: string, input: string) => backend.activities.schedule(arn, input, { timeoutSeconds: 60 });
  const ok = () => run(behaviors, batchInput([1, 2, 3], { mode: 'ok' }));

  // AND both handler modules loaded (a first task loads its module within its deadline; on a
  // loaded machine that can take longer, so try a few times)
  for (const warmUp of [
    ok,
    () => run(validated, batchInput([{ id: 'w', amount: 1 }], { scenario: 'warm' })),
  ]) {
    let status = '';
    for (let attempt = 0; attempt < 3 && status !== 'SUCCEEDED'; attempt++) status = (await warmUp()).status;
    assert.equal(status, 'SUCCEEDED');
  }

  // WHEN each misbehaviour runs, followed by a good task
  const cases: Array<[string, string, string]> = [
    ['throw', batchInput([1], { mode: 'throw' }), 'QuotaExceededError'],
    ['hang', batchInput([1], { mode: 'hang' }), 'Handler.Timeout'],
    ['exit', batchInput([1], { mode: 'exit' }), 'Worker.Crashed'],
    ['oom', batchInput([1], { mode: 'oom' }), 'Worker.Crashed'],
    ['not JSON', '{"Items": [1,', 'Input.Invalid'],
    ['bad stepfleet block', JSON.stringify({ Items: [1], stepfleet: { executionId: 7 } }), 'Input.Invalid'],
    ['not a batch', JSON.stringify({ hello: 'world' }), 'Input.Invalid'],
  ];
  // THEN each fails with its name, and a good task right after succeeds
  for (const [what, input, expected] of cases) {
    const started = Date.now();
    const outcome = await run(behaviors, input);
    assert.equal(outcome.status, 'FAILED', what);
    assert.equal(
      outcome.status === 'FAILED' && outcome.error,
      expected,
      `${what}: ${JSON.stringify(outcome)}`,
    );
    const after = await ok();
    assert.equal(after.status, 'SUCCEEDED', `a good task after ${what}`);
    t.diagnostic(`${what}: ${Date.now() - started} ms`);
  }

  // AND a thrown error's cause is cut to 32,768 characters without splitting a character
  const thrown = await run(behaviors, batchInput([1], { mode: 'throw' }));
  assert.ok(thrown.status === 'FAILED' && thrown.cause !== undefined);
  assert.ok(thrown.cause.length <= 32_768, `cause length ${thrown.cause.length}`);
  assert.ok(
    thrown.cause.startsWith('QuotaExceededError: quota exceeded after 1 items'),
    thrown.cause.slice(0, 80),
  );
  assert.ok(!thrown.cause.includes('\uFFFD'));

  // AND the schema of the validated handler names each bad field
  const bad = await run(
    validated,
    batchInput(
      [
        { id: 'a', amount: 1 },
        { id: 'b', amount: 'lots' },
      ],
      { scenario: 's' },
    ),
  );
  assert.equal(bad.status === 'FAILED' && bad.error, 'Input.Invalid');
  assert.match(bad.status === 'FAILED' ? (bad.cause ?? '') : '', /Items\[1\]\.amount: expected a number/);
  const badBatch = await run(validated, batchInput([{ id: 'a', amount: 1 }], {}));
  assert.match(
    badBatch.status === 'FAILED' ? (badBatch.cause ?? '') : '',
    /BatchInput\.scenario: expected a string/,
  );
  const good = await run(
    validated,
    batchInput(
      [
        { id: 'a', amount: 2 },
        { id: 'b', amount: 3 },
      ],
      { scenario: 's' },
    ),
  );
  assert.equal(good.status, 'SUCCEEDED');
  assert.deepEqual(JSON.parse(good.status === 'SUCCEEDED' ? good.output : ''), { total: 5, scenario: 's' });

  // AND the worker process is still alive and serving
  assert.equal(worker.child.exitCode, null);
  assert.equal((await ok()).status, 'SUCCEEDED');
});
