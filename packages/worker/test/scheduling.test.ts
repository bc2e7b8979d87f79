/**
 * Which activity a freed slot polls next: a worker with one slot serving a batch activity and
 * an aggregate activity runs queued batches back to back (not one poll window each), then
 * moves to the aggregate activity within about one window. And the policy's rules one by one
 * (share, starvation bound, stickiness) on the slots themselves.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createWorker } from '@stepfleet/worker';
import { Slots } from '../src/slots.ts';
import { batchInput, fixture, startBackend, testCredentials } from './helpers.ts';

const pollSeconds = 2;

test('one slot, two activities: batches run back to back, then the aggregate within a window', async (t) => {
  // GIVEN a backend holding polls 2 s, and a 1-thread worker serving a batch and an aggregate activity
  const { backend, arns } = await startBackend(t, { activityPollSeconds: pollSeconds }, [
    'batch',
    'aggregate',
  ]);
  const [batchArn, aggregateArn] = arns as [string, string];
  process.env.AWS_ACCESS_KEY_ID ??= testCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= testCredentials.secretAccessKey;
  const worker = createWorker({
    activities: [
      { activityArn: batchArn, handler: fixture('behaviors.ts') },
      { activityArn: aggregateArn, handler: fixture('behaviors.ts') },
    ],
    endpoint: backend.url,
    region: 'us-east-1',
    threads: 1,
    handleSignals: false,
    emfMetrics: false,
    logLevel: 'warn',
  });
  t.after(() => worker.shutdown());
  const running = worker.run();

  // WHEN 20 batch tasks of 50 ms are queued at once
  const taskMs = 50;
  const started = Date.now();
  const batches = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      backend.activities.schedule(batchArn, batchInput([i], { mode: 'sleep', ms: taskMs }), {
        timeoutSeconds: 60,
      }),
    ),
  );
  const batchesMs = Date.now() - started;

  // THEN they all succeed in about the time of 20 tasks plus one window (the open aggregate
  // poll at most), far from the 20 windows (40 s) of alternating polls
  assert.deepEqual(
    batches.map((b) => b.status),
    batches.map(() => 'SUCCEEDED'),
  );
  assert.ok(batchesMs < 20 * taskMs + 4 * pollSeconds * 1000, `20 batches took ${batchesMs} ms`);

  // WHEN the aggregate task comes once the batches are done
  const aggregateStarted = Date.now();
  const aggregate = await backend.activities.schedule(aggregateArn, batchInput([0], { mode: 'ok' }), {
    timeoutSeconds: 60,
  });
  const aggregateMs = Date.now() - aggregateStarted;

  // THEN it is picked up within about one window (the batch poll coming back empty)
  assert.equal(aggregate.status, 'SUCCEEDED');
  assert.ok(aggregateMs < 2 * pollSeconds * 1000 + 1_000, `aggregate took ${aggregateMs} ms`);
  await worker.shutdown();
  await running;
});

/** Acquires a slot for `key` and records the order in which grants happen. */
function acquire(slots: Slots, key: string, order: string[]): Promise<boolean> {
  return slots.acquire(key).then((granted) => {
    if (granted) order.push(key);
    return granted;
  });
}

test('the slot stays with the activity whose poll returned a task, and moves on when it comes back empty', async () => {
  // GIVEN one slot held by A's task, and A and B waiting
  const slots = new Slots(1);
  const order: string[] = [];
  await acquire(slots, 'A', order);
  slots.polled('A', true);
  const a2 = acquire(slots, 'A', order);
  const b1 = acquire(slots, 'B', order);
  // WHEN A's task ends: A keeps the slot although B waited longer
  slots.release('A');
  await a2;
  assert.deepEqual(order, ['A', 'A']);
  // WHEN A's next poll comes back empty: the slot goes to B
  slots.polled('A', false);
  const a3 = acquire(slots, 'A', order);
  slots.release('A');
  await b1;
  assert.deepEqual(order, ['A', 'A', 'B']);
  // WHEN B's poll is empty too: back to A (longest waiting)
  slots.polled('B', false);
  slots.release('B');
  await a3;
  assert.deepEqual(order, ['A', 'A', 'B', 'A']);
});

test('an activity that waited maxWaitMs gets the next slot even while another keeps returning tasks', async () => {
  // GIVEN one slot, a clock, A always returning tasks, B waiting
  let now = 0;
  const slots = new Slots(1, { maxWaitMs: 1_000, now: () => now });
  const order: string[] = [];
  await acquire(slots, 'A', order);
  const b = acquire(slots, 'B', order);
  // WHEN A's tasks end before B waited 1 s: A keeps the slot
  for (let i = 0; i < 3; i++) {
    slots.polled('A', true);
    const next = acquire(slots, 'A', order);
    now += 300;
    slots.release('A');
    await next;
  }
  assert.deepEqual(order, ['A', 'A', 'A', 'A']);
  // WHEN B has waited 1 s: the next freed slot is B's
  slots.polled('A', true);
  void acquire(slots, 'A', order);
  now += 100;
  slots.release('A');
  await b;
  assert.deepEqual(order, ['A', 'A', 'A', 'A', 'B']);
  slots.close();
});

test('with several slots each activity keeps its guaranteed share', async () => {
  // GIVEN 4 slots shared by A (3 pollers) and B (1 poller): shares 3 and 1
  const slots = new Slots(4);
  slots.setWeights(
    new Map([
      ['A', 3],
      ['B', 1],
    ]),
  );
  const order: string[] = [];
  for (let i = 0; i < 4; i++) await acquire(slots, 'A', order);
  slots.polled('A', true);
  // WHEN B waits and A, returning tasks, frees a slot: B gets it (below its share)
  const b = acquire(slots, 'B', order);
  const a = acquire(slots, 'A', order);
  slots.release('A');
  await b;
  assert.equal(slots.held('B'), 1);
  // AND when B's poll comes back empty, its slot goes to the waiting A
  slots.polled('B', false);
  slots.release('B');
  await a;
  assert.equal(slots.held('A'), 4);
  assert.equal(slots.busy, 4);
  slots.close();
});
