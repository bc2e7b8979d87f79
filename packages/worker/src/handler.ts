/**
 * `@stepfleet/worker/handler`: what a handler module imports. It runs inside a worker thread
 * and stays small: types, the `define*Handler` functions and the seeded random generator.
 * The runtime (polling, heartbeats, reporting) lives in `@stepfleet/worker`.
 *
 * @example
 * ```ts
 * import { defineBatchHandler } from '@stepfleet/worker/handler';
 * export default defineBatchHandler<Loan, { scenario: string }, LoanResult[]>(
 *   async ({ items, batchInput, random }) => items.map((loan) => simulate(loan, batchInput, random)),
 * );
 * ```
 */
import type { Readable } from 'node:stream';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { StepfleetTaskContext } from './envelope.ts';

export type { StandardSchemaV1 } from '@standard-schema/spec';
export type { StepfleetBatchInput, StepfleetTaskContext } from './envelope.ts';
export { ErrorNames, InputInvalidError } from './errors.ts';
export { jsonArrayElements } from './json-array-stream.ts';
export { createRandom } from './random.ts';
// Its exports are all public: the ResultWriter reader and its types.
export * from './result-writer.ts';

/** The logger a handler gets: a pino child logger carrying the task's context. */
export interface HandlerLogger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  child(bindings: Record<string, unknown>): HandlerLogger;
}

/**
 * An S3 object: `s3://bucket/key`, a bare key (in the default bucket), or an object with `Key`
 * and an optional `Bucket`: an item of an `s3:listObjectsV2` ItemReader is one as it is.
 */
export type S3Ref = string | { readonly Bucket?: string; readonly Key: string };

/** S3 helpers for the common cases: read the object an item names, write a result object. */
export interface S3Helpers {
  /** The object's bytes. */
  getBytes(ref: S3Ref, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
  /**
   * The object's body as a stream, read as it arrives (for objects too large to hold at once):
   * a Node `Readable`, async-iterable as `Uint8Array` chunks. Consume it or `destroy()` it, or
   * its connection stays taken.
   */
  getStream(ref: S3Ref, options?: { signal?: AbortSignal }): Promise<Readable>;
  /** The object as UTF-8 text. */
  getText(ref: S3Ref, options?: { signal?: AbortSignal }): Promise<string>;
  /** The object parsed as JSON. */
  getJson<T = unknown>(ref: S3Ref, options?: { signal?: AbortSignal }): Promise<T>;
  /** Writes an object; returns its `s3://` URL. */
  put(
    ref: S3Ref,
    body: string | Uint8Array,
    options?: { contentType?: string; signal?: AbortSignal },
  ): Promise<string>;
  /** Writes a value as JSON; returns its `s3://` URL. */
  putJson(ref: S3Ref, value: unknown, options?: { signal?: AbortSignal }): Promise<string>;
}

/** What every handler gets besides its input. */
export interface HandlerContext {
  /** Fires when the work must stop: deadline passed, task lost (heartbeat refused), worker stopping. */
  readonly signal: AbortSignal;
  /** pino logger with execution id, attempt, worker name and a short hash of the token. */
  readonly log: HandlerLogger;
  /**
   * A 256-bit seed (64 hex chars) derived from the execution id and the task's items (or plain
   * input), never from the attempt: a retried task computes exactly the same result.
   */
  readonly seed: string;
  /** A uniform [0, 1) generator seeded with {@link seed}. */
  readonly random: () => number;
  /** Asks for a heartbeat soon. Optional: heartbeats are automatic; calls are coalesced. */
  heartbeat(): void;
  /** The `stepfleet` block of the input (execution id, attempt...), when the state passed one. */
  readonly task: StepfleetTaskContext | undefined;
  /** When the handler will be aborted with `Handler.Timeout`, or null for no deadline. */
  readonly deadline: Date | null;
  /** S3 helpers (client created on first use in this thread). */
  readonly s3: S3Helpers;
}

/** What a batch handler gets. */
export interface BatchContext<Item, BatchInput> extends HandlerContext {
  readonly items: Item[];
  /** `BatchInput` of the ItemBatcher (undefined when the state set none). */
  readonly batchInput: BatchInput;
}

/** What a per-item handler gets with each item; `seed`/`random` are the item's own. */
export interface ItemContext<BatchInput> extends HandlerContext {
  /** The item's position in the batch. */
  readonly index: number;
  readonly batchInput: BatchInput;
}

/** One failed item of a batch run with `onItemError: 'report'`. */
export interface ItemFailure {
  readonly index: number;
  /** The error name (the thrown error's class name). */
  readonly error: string;
  readonly cause: string;
}

/** The task output of a per-item handler with `onItemError: 'report'`. */
export interface ItemsReport<Result> {
  /** One entry per item, in order; null for a failed item. */
  readonly results: (Result | null)[];
  /** The failed items, each named by index. */
  readonly failed: ItemFailure[];
  readonly succeededCount: number;
  readonly failedCount: number;
}

/** Schemas that validate a batch (any Standard Schema: zod, valibot, arktype...). */
export interface BatchSchemas<Item, BatchInput> {
  /** Validates (and may transform) each item; failures are `Input.Invalid` naming `Items[i]`. */
  readonly itemSchema?: StandardSchemaV1<unknown, Item>;
  /** Validates `BatchInput`. */
  readonly batchInputSchema?: StandardSchemaV1<unknown, BatchInput>;
}

/** Options of {@link defineItemHandler}. */
export interface ItemHandlerOptions<Item, BatchInput> extends BatchSchemas<Item, BatchInput> {
  /**
   * Items in flight at once in this thread (for I/O-bound items).
   * @defaultValue 8
   */
  readonly concurrency?: number;
  /**
   * `'fail-batch'`: the first failed item fails the task (under its error name) and stops the
   * rest; output is the array of results. `'report'`: every item runs; output is an
   * {@link ItemsReport} naming the failed items, and the task succeeds.
   * @defaultValue 'fail-batch'
   */
  readonly onItemError?: 'fail-batch' | 'report';
}

/** A handler module's default export, as made by one of the `define*Handler` functions. */
export type HandlerDefinition =
  | {
      readonly '~stepfleet': 'batch';
      readonly fn: (ctx: BatchContext<unknown, unknown>) => unknown;
      readonly options: BatchSchemas<unknown, unknown>;
    }
  | {
      readonly '~stepfleet': 'items';
      readonly fn: (item: unknown, ctx: ItemContext<unknown>) => unknown;
      readonly options: ItemHandlerOptions<unknown, unknown>;
    }
  | {
      readonly '~stepfleet': 'plain';
      readonly fn: (input: unknown, ctx: HandlerContext) => unknown;
      readonly options: { readonly inputSchema?: StandardSchemaV1 };
    };

/**
 * A handler for a batch task (`{ Items, BatchInput }`): gets all items at once, returns the
 * task output (any JSON value).
 */
export function defineBatchHandler<Item = unknown, BatchInput = unknown, Result = unknown>(
  fn: (ctx: BatchContext<Item, BatchInput>) => Promise<Result> | Result,
  options: BatchSchemas<Item, BatchInput> = {},
): HandlerDefinition {
  return { '~stepfleet': 'batch', fn: fn as never, options: options as never };
}

/**
 * A handler called once per item of a batch, with at most `concurrency` items in flight,
 * and a partial-failure policy (`onItemError`).
 */
export function defineItemHandler<Item = unknown, BatchInput = unknown, Result = unknown>(
  fn: (item: Item, ctx: ItemContext<BatchInput>) => Promise<Result> | Result,
  options: ItemHandlerOptions<Item, BatchInput> = {},
): HandlerDefinition {
  const concurrency = options.concurrency ?? 8;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new RangeError(`defineItemHandler: concurrency must be an integer >= 1, got ${concurrency}`);
  }
  return { '~stepfleet': 'items', fn: fn as never, options: options as never };
}

/** A handler for any activity input (not a batch): gets the whole input, returns the output. */
export function defineHandler<Input = unknown, Output = unknown>(
  fn: (input: Input, ctx: HandlerContext) => Promise<Output> | Output,
  options: { readonly inputSchema?: StandardSchemaV1<unknown, Input> } = {},
): HandlerDefinition {
  return { '~stepfleet': 'plain', fn: fn as never, options };
}
