/**
 * The streaming pieces of the Distributed Map: the JSON array splitter across arbitrary chunk
 * boundaries (multi-byte characters, escapes, nesting), and the batcher's count and byte limits.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { batchItems } from '../src/engine/item-batcher.ts';
import { jsonArrayElements } from '../src/engine/json-array-stream.ts';

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of source) out.push(x);
  return out;
}

async function* bytesOf(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** The items as a reader hands them over: in chunks (of 3 here, so batches cross chunk edges). */
async function* itemsOf(values: unknown[]): AsyncGenerator<unknown[]> {
  for (let i = 0; i < values.length; i += 3) yield values.slice(i, i + 3);
}

describe('JSON array elements, streamed', () => {
  const elements = [
    { a: 'é€😀', b: [1, { c: ']' }] },
    'quote " and \\ backslash',
    -1.5e3,
    null,
    true,
    [],
    {},
    ',[]{}',
  ];
  const text = ` \n${JSON.stringify(elements, null, 1)}\n `;
  for (const size of [1, 2, 3, 7, 1024]) {
    test(`chunks of ${size} byte(s) give the same elements`, async () => {
      assert.deepEqual(await collect(jsonArrayElements(bytesOf(text, size))), elements);
    });
  }

  test('an empty array has no elements', async () => {
    assert.deepEqual(await collect(jsonArrayElements(bytesOf('[ ]', 1))), []);
  });

  test('anything but one top-level array is refused', async () => {
    await assert.rejects(collect(jsonArrayElements(bytesOf('{"a":1}', 4))), /not hold a JSON array/);
    await assert.rejects(collect(jsonArrayElements(bytesOf('[1,2', 4))), /not closed/);
    await assert.rejects(collect(jsonArrayElements(bytesOf('[1,,2]', 4))), /empty element/);
    await assert.rejects(collect(jsonArrayElements(bytesOf('[1] 2', 4))), /after the top-level JSON array/);
  });
});

describe('ItemBatcher', () => {
  test('MaxItemsPerBatch cuts batches by count and adds BatchInput', async () => {
    const batches = await collect(
      batchItems(itemsOf([1, 2, 3, 4, 5]), { maxItems: 2, maxBytes: 0, batchInput: { job: 'j' } }),
    );
    assert.deepEqual(
      batches.map((b) => b.input),
      [
        { Items: [1, 2], BatchInput: { job: 'j' } },
        { Items: [3, 4], BatchInput: { job: 'j' } },
        { Items: [5], BatchInput: { job: 'j' } },
      ],
    );
    assert.deepEqual(
      batches.map((b) => b.itemCount),
      [2, 2, 1],
    );
  });

  test('MaxInputBytesPerBatch: every batch fits, and a batch is as full as the limit allows', async () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ id: i, pad: 'x'.repeat(i % 5) }));
    for (const limit of [60, 100, 257]) {
      const batches = await collect(
        batchItems(itemsOf(items), { maxItems: 0, maxBytes: limit, batchInput: { b: 1 } }),
      );
      for (const [i, b] of batches.entries()) {
        const size = Buffer.byteLength(JSON.stringify(b.input));
        assert.ok(size <= limit, `batch ${i} has ${size} bytes > ${limit}`);
        const next = batches[i + 1]?.input as { Items: unknown[] } | undefined;
        if (next) {
          const grown = {
            ...(b.input as object),
            Items: [...(b.input as { Items: unknown[] }).Items, next.Items[0]],
          };
          assert.ok(
            Buffer.byteLength(JSON.stringify(grown)) > limit,
            `batch ${i} could have taken one more item`,
          );
        }
      }
      assert.deepEqual(
        batches.flatMap((b) => (b.input as { Items: unknown[] }).Items),
        items,
      );
    }
  });

  test('an item larger than MaxInputBytesPerBatch fails with States.DataLimitExceeded', async () => {
    await assert.rejects(
      collect(batchItems(itemsOf(['x'.repeat(100)]), { maxItems: 0, maxBytes: 50, batchInput: undefined })),
      { error: 'States.DataLimitExceeded' },
    );
  });

  test('without a batcher each item is one child input', async () => {
    const batches = await collect(batchItems(itemsOf(['a', 'b']), undefined));
    assert.deepEqual(batches, [
      { input: 'a', itemCount: 1 },
      { input: 'b', itemCount: 1 },
    ]);
  });
});
