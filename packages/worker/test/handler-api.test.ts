/**
 * The handler API end to end: plain handlers, per-item handlers (bounded concurrency, both
 * partial-failure policies), deterministic seeds across retries, several activities with
 * different handlers in one worker process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchInput, fixture, type Outcome, startBackend, startWorker } from './helpers.ts';

function output(o: Outcome): unknown {
  assert.equal(o.status, 'SUCCEEDED', JSON.stringify(o));
  return JSON.parse(o.status === 'SUCCEEDED' ? o.output : 'null');
}

test('plain, per-item and batch handlers on four activities of one worker process', async (t) => {
  // GIVEN one worker process serving four activities, each with its own handler
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 1 }, [
    'plain',
    'items',
    'fail-batch',
    'batch',
  ]);
  const [plain, items, failBatch, batch] = arns as [string, string, string, string];
  startWorker(t, backend, {
    STEPFLEET_ACTIVITY_ARN: [
      `${plain}=${fixture('plain.ts')}`,
      `${items}=${fixture('items.ts')}`,
      `${failBatch}=${fixture('items-fail-batch.ts')}`,
      `${batch}=${fixture('behaviors.ts')}`,
    ].join(','),
    STEPFLEET_THREADS: '4',
  });
  const run = (arn: string, input: string) => backend.activities.schedule(arn, input, { timeoutSeconds: 60 });

  // WHEN a plain input goes to the plain handler
  const execution = { executionId: 'arn:aws:states:us-east-1:000000000000:execution:sm:e1' };
  const reply = output(
    await run(plain, JSON.stringify({ greeting: 'hello', stepfleet: { ...execution, attempt: 0 } })),
  ) as { reply: string; seed: string; r: number };
  // THEN it gets the input without the stepfleet block
  assert.equal(reply.reply, 'hello, back');
  // AND a retry (attempt 1) gets the same seed and random sequence; another execution does not
  const retried = output(
    await run(plain, JSON.stringify({ greeting: 'hello', stepfleet: { ...execution, attempt: 1 } })),
  ) as { seed: string; r: number };
  assert.deepEqual([retried.seed, retried.r], [reply.seed, reply.r]);
  const other = output(
    await run(plain, JSON.stringify({ greeting: 'hello', stepfleet: { executionId: 'e2', attempt: 0 } })),
  ) as { seed: string };
  assert.notEqual(other.seed, reply.seed);

  // WHEN a batch of 12 items (two broken) goes to the per-item handler with concurrency 4 and the report policy
  const list = Array.from({ length: 12 }, (_, id) => ({ id, ms: 50, fail: id === 3 || id === 7 }));
  const report = output(await run(items, batchInput(list, {}, execution))) as {
    results: ({ id: number; maxInFlight: number; seed: string } | null)[];
    failed: { index: number; error: string; cause: string }[];
    succeededCount: number;
    failedCount: number;
  };
  // THEN the task succeeds, naming the failed items, and never more than 4 ran at once
  assert.deepEqual(
    report.failed.map((f) => [f.index, f.error]),
    [
      [3, 'ItemBrokenError'],
      [7, 'ItemBrokenError'],
    ],
  );
  assert.equal(report.succeededCount, 10);
  assert.equal(report.results[3], null);
  const maxInFlight = Math.max(...report.results.map((r) => r?.maxInFlight ?? 0));
  assert.equal(maxInFlight, 4);
  // AND each item has its own seed
  assert.equal(new Set(report.results.filter((r) => r !== null).map((r) => r.seed)).size, 10);

  // WHEN the default policy meets a broken item
  const failed = await run(
    failBatch,
    batchInput([{ id: 1 }, { id: 2, fail: true }, { id: 3 }], {}, execution),
  );
  // THEN the batch fails under the item's error name, naming the item
  assert.equal(failed.status === 'FAILED' && failed.error, 'ItemBrokenError');
  assert.match(failed.status === 'FAILED' ? (failed.cause ?? '') : '', /Items\[1\]: item 2 is broken/);
  assert.deepEqual(output(await run(failBatch, batchInput([{ id: 1 }, { id: 2 }], {}, execution))), [2, 4]);

  // WHEN the same batch runs twice as two attempts of one execution
  const a = output(await run(batch, batchInput([1, 2], { mode: 'ok' }, { ...execution, attempt: 0 })));
  const b = output(await run(batch, batchInput([1, 2], { mode: 'ok' }, { ...execution, attempt: 2 })));
  // THEN the results are identical
  assert.deepEqual(a, b);
});
