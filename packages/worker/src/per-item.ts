import { errorCauseOf, errorNameOf } from './errors.ts';
import type { ItemFailure } from './handler.ts';

/** Outcome of running every item. */
export interface ItemsOutcome<R> {
  readonly results: (R | null)[];
  readonly failed: ItemFailure[];
}

/**
 * Runs `fn` over `items` with at most `concurrency` in flight. With `failFast`, the first
 * failure aborts the others (through the signal passed to `fn`) and is thrown, its message
 * naming the item; otherwise every item runs and failures are collected.
 */
export async function runItems<I, R>(
  items: readonly I[],
  options: { concurrency: number; failFast: boolean; signal: AbortSignal },
  fn: (item: I, index: number, signal: AbortSignal) => Promise<R>,
): Promise<ItemsOutcome<R>> {
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  const results: (R | null)[] = new Array(items.length).fill(null);
  const failed: ItemFailure[] = [];
  let firstError: unknown;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length && !signal.aborted) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as I, index, signal);
      } catch (error) {
        if (options.failFast) {
          if (firstError === undefined) firstError = itemError(error, index);
          stop.abort(firstError);
          return;
        }
        failed.push({ index, error: errorNameOf(error), cause: errorCauseOf(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, items.length) }, lane));
  if (firstError !== undefined) throw firstError;
  options.signal.throwIfAborted();
  failed.sort((a, b) => a.index - b.index);
  return { results, failed };
}

/** The failure of one item as the batch's failure: same error name, message naming the item. */
function itemError(error: unknown, index: number): Error {
  const message = error instanceof Error ? error.message : String(error);
  const name = errorNameOf(error);
  const wrapped = new Error(`Items[${index}]: ${message}`, { cause: error });
  wrapped.name = name;
  const cause = errorCauseOf(error);
  wrapped.stack = cause.startsWith(`${name}: `)
    ? `${name}: Items[${index}]: ${cause.slice(name.length + 2)}`
    : `${name}: Items[${index}]: ${cause}`;
  return wrapped;
}
