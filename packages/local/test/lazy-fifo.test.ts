import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LazyFifo } from '../src/activities/lazy-fifo.ts';

interface Item {
  readonly n: number;
  ended: boolean;
}

test('LazyFifo skips items that ended while queued and keeps first-in, first-out order', () => {
  const queue = new LazyFifo<Item>((item) => !item.ended);
  const items = Array.from({ length: 10 }, (_, n) => ({ n, ended: false }));
  for (const item of items) queue.push(item);
  for (const n of [0, 3, 4, 9]) {
    items[n]!.ended = true;
    queue.noteEnded();
  }
  const out: number[] = [];
  for (let item = queue.shift(); item; item = queue.shift()) out.push(item.n);
  assert.deepEqual(out, [1, 2, 5, 6, 7, 8]);
  assert.equal(queue.size, 0);
});

test('LazyFifo compacts when ended items dominate, so memory follows the live items', () => {
  // GIVEN 10,000 queued items of which 9,000 end while queued (tasks timing out unpicked)
  const queue = new LazyFifo<Item>((item) => !item.ended);
  const items = Array.from({ length: 10_000 }, (_, n) => ({ n, ended: false }));
  for (const item of items) queue.push(item);
  for (const item of items.slice(0, 9_000)) {
    item.ended = true;
    queue.noteEnded();
  }
  // THEN the backing store shrank to about the live ones, and the oldest live item comes first
  assert.ok(queue.size <= 2_100, `size ${queue.size}`);
  assert.equal(queue.live().length, 1_000);
  assert.equal(queue.shift()?.n, 9_000);
});

test('LazyFifo shifted to empty and refilled many times does not grow', () => {
  const queue = new LazyFifo<Item>((item) => !item.ended);
  for (let round = 0; round < 5_000; round++) {
    queue.push({ n: round, ended: false });
    queue.push({ n: round, ended: false });
    queue.shift();
  }
  assert.ok(queue.size <= 5_000 + 1024, `size ${queue.size}`);
  assert.equal(queue.live().length, 5_000);
});
