/**
 * The Distributed Map's ItemBatcher: groups items into child inputs `{"Items": [...],
 * "BatchInput": {...}}`, closing a batch at MaxItemsPerBatch items or before it would pass
 * MaxInputBytesPerBatch bytes of JSON. Without a batcher each item is one child's input.
 */
import { StatesError } from './errors.ts';

/** One child execution's worth of items. */
export interface Batch {
  /** The child execution's input. */
  readonly input: unknown;
  /** How many items it carries (1 without a batcher). */
  readonly itemCount: number;
}

/** The batcher's settings, resolved from the definition. */
export interface BatcherSettings {
  /** 0 = no item limit. */
  readonly maxItems: number;
  /** 0 = no byte limit. */
  readonly maxBytes: number;
  /** The BatchInput object, or undefined when the definition has none. */
  readonly batchInput: unknown;
}

/** Groups chunks of items into batches (or one batch per item when `settings` is undefined). */
export async function* batchItems(
  chunks: AsyncIterable<readonly unknown[]>,
  settings: BatcherSettings | undefined,
): AsyncGenerator<Batch> {
  if (!settings) {
    for await (const chunk of chunks) for (const item of chunk) yield { input: item, itemCount: 1 };
    return;
  }
  const { maxItems, maxBytes, batchInput } = settings;
  const make = (list: unknown[]): Batch => ({
    input: batchInput === undefined ? { Items: list } : { Items: list, BatchInput: batchInput },
    itemCount: list.length,
  });
  // Bytes of `{"Items":[],"BatchInput":<json>}` before any item.
  const baseBytes = Buffer.byteLength(JSON.stringify(make([]).input));
  let current: unknown[] = [];
  let bytes = baseBytes;
  for await (const chunk of chunks)
    for (const item of chunk) {
      if (maxBytes > 0) {
        const itemBytes = Buffer.byteLength(JSON.stringify(item) ?? 'null') + (current.length > 0 ? 1 : 0);
        if (baseBytes + itemBytes > maxBytes && current.length === 0) {
          throw new StatesError(
            'States.DataLimitExceeded',
            `An item of ${itemBytes} bytes does not fit in a batch of MaxInputBytesPerBatch ${maxBytes} bytes`,
          );
        }
        if (bytes + itemBytes > maxBytes) {
          yield make(current);
          current = [];
          // The item now opens a batch: no separating comma.
          bytes = baseBytes + itemBytes - 1;
        } else bytes += itemBytes;
      }
      current.push(item);
      if (maxItems > 0 && current.length >= maxItems) {
        yield make(current);
        current = [];
        bytes = baseBytes;
      }
    }
  if (current.length > 0) yield make(current);
}
