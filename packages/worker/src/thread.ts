/**
 * The entry of every handler thread (piscina's worker file): loads handler modules, validates
 * input, runs the handler with its context, and returns the outcome. The main thread only
 * polls, heartbeats and reports, so a CPU-bound handler here never starves a heartbeat.
 */
import { threadId, workerData } from 'node:worker_threads';
import type { S3Client } from '@aws-sdk/client-s3';
import pino from 'pino';
import { isBatchInput } from './envelope.ts';
import { ErrorNames, errorCauseOf, errorNameOf, InputInvalidError, StepfleetWorkerError } from './errors.ts';
import type {
  BatchContext,
  HandlerContext,
  HandlerDefinition,
  HandlerLogger,
  ItemContext,
} from './handler.ts';
import type { ChannelMessage, RunTask, TaskOutcome, ThreadSettings, ThreadToMain } from './messages.ts';
import { runItems } from './per-item.ts';
import { childSeed, createRandom, deriveSeed } from './random.ts';
import { createS3Helpers } from './s3-helpers.ts';
import { SHARED_ABORT, SHARED_THREAD_ID } from './task-channel.ts';
import { validateWith } from './validation.ts';

const settings = workerData as ThreadSettings;
const rootLog = pino(
  { level: settings.logLevel, base: { worker: settings.workerName, thread: threadId } },
  pino.destination({ dest: 1, sync: true }),
);
const handlers = new Map<string, Promise<HandlerDefinition>>();
let s3Client: Promise<S3Client> | undefined;
const s3 = createS3Helpers(
  () =>
    (s3Client ??= import('@aws-sdk/client-s3').then(
      ({ S3Client }) =>
        new S3Client({
          region: settings.s3.region,
          endpoint: settings.s3.endpoint,
          forcePathStyle: settings.s3.forcePathStyle,
        }),
    )),
  settings.dataBucket,
);

/** Handler calls to `heartbeat()` closer than this are coalesced in the thread already. */
const HEARTBEAT_REQUEST_MIN_GAP_MS = 1000;

/** The abort controllers of the tasks running on this thread, by task id. */
const running = new Map<number, AbortController>();
const channel = new BroadcastChannel(settings.channel);
// Threads live as long as the pool; the channel must not be what keeps one alive.
(channel as unknown as { unref?: () => void }).unref?.();
channel.onmessage = (event: { data: ChannelMessage }) => {
  const m = event.data;
  if (m.type === 'abort') running.get(m.taskId)?.abort(new Error(`task aborted: ${m.reason}`));
};

/** Runs one task (piscina calls this with the main thread's {@link RunTask}). */
export default async function runTask(message: RunTask): Promise<TaskOutcome> {
  Atomics.store(message.shared, SHARED_THREAD_ID, threadId);
  const controller = new AbortController();
  running.set(message.taskId, controller);
  // Aborted while it waited in the queue: the broadcast came before this thread listened for it.
  const code = Atomics.load(message.shared, SHARED_ABORT);
  if (code !== 0) controller.abort(new Error(`task aborted before it started (code ${code})`));
  let lastHeartbeatRequest = 0;
  try {
    const definition = await loadHandler(message.handlerUrl);
    const log = rootLog.child(message.logBindings) as HandlerLogger;
    const base = {
      signal: controller.signal,
      log,
      heartbeat: () => {
        const now = Date.now();
        if (now - lastHeartbeatRequest < HEARTBEAT_REQUEST_MIN_GAP_MS) return;
        lastHeartbeatRequest = now;
        channel.postMessage({ type: 'heartbeat', taskId: message.taskId } satisfies ThreadToMain);
      },
      task: message.task,
      deadline: message.deadlineAt === null ? null : new Date(message.deadlineAt),
      s3,
    };
    const result = await invoke(definition, message, base);
    let output: string | undefined;
    try {
      output = JSON.stringify(result === undefined ? null : result);
    } catch (error) {
      return failed(
        ErrorNames.outputInvalid,
        `the handler's result is not JSON-serializable: ${errorCauseOf(error)}`,
      );
    }
    return { type: 'succeeded', output };
  } catch (error) {
    return failed(errorNameOf(error), errorCauseOf(error));
  } finally {
    running.delete(message.taskId);
  }
}

type BaseContext = Omit<HandlerContext, 'seed' | 'random'>;

async function invoke(def: HandlerDefinition, message: RunTask, base: BaseContext): Promise<unknown> {
  const input = message.input;
  const executionId = message.task?.executionId;
  if (def['~stepfleet'] === 'plain') {
    const material = stripStepfleet(input);
    const value = def.options.inputSchema
      ? await validateWith(def.options.inputSchema, material, 'input')
      : material;
    const seed = deriveSeed(executionId, material);
    return def.fn(value, { ...base, seed, random: createRandom(seed) });
  }
  if (!isBatchInput(input)) {
    throw new InputInvalidError('a batch handler needs an input with an Items array (an ItemBatcher batch)');
  }
  const seed = deriveSeed(executionId, input.Items);
  const { itemSchema, batchInputSchema } = def.options;
  const batchInput = batchInputSchema
    ? await validateWith(batchInputSchema, input.BatchInput, 'BatchInput')
    : input.BatchInput;
  let items: unknown[] = [...input.Items];
  if (itemSchema) {
    const issues: string[] = [];
    items = await Promise.all(
      items.map((item, i) =>
        validateWith(itemSchema, item, `Items[${i}]`).catch((error: unknown) => {
          if (error instanceof InputInvalidError) issues.push(...error.issues);
          else throw error;
        }),
      ),
    );
    if (issues.length > 0) throw new InputInvalidError('items failed their schema', issues.slice(0, 20));
  }
  if (def['~stepfleet'] === 'batch') {
    const ctx: BatchContext<unknown, unknown> = {
      ...base,
      seed,
      random: createRandom(seed),
      items,
      batchInput,
    };
    return def.fn(ctx);
  }
  const failFast = (def.options.onItemError ?? 'fail-batch') === 'fail-batch';
  const { results, failed } = await runItems(
    items,
    { concurrency: def.options.concurrency ?? 8, failFast, signal: base.signal },
    async (item, index, signal) => {
      const itemSeed = childSeed(seed, index);
      const ctx: ItemContext<unknown> = {
        ...base,
        signal,
        seed: itemSeed,
        random: createRandom(itemSeed),
        index,
        batchInput,
      };
      return def.fn(item, ctx);
    },
  );
  if (failFast) return results;
  return { results, failed, succeededCount: items.length - failed.length, failedCount: failed.length };
}

function loadHandler(url: string): Promise<HandlerDefinition> {
  let loading = handlers.get(url);
  if (!loading) {
    loading = import(url).then((mod: Record<string, unknown>) =>
      asDefinition(mod.default ?? mod.handler, url),
    );
    // A module that fails to load is retried on the next task (it may be a transient I/O error).
    loading.catch(() => handlers.delete(url));
    handlers.set(url, loading);
  }
  return loading;
}

function asDefinition(value: unknown, url: string): HandlerDefinition {
  if (typeof value === 'function') {
    return {
      '~stepfleet': 'plain',
      fn: value as (input: unknown, ctx: HandlerContext) => unknown,
      options: {},
    };
  }
  const kind = (value as { '~stepfleet'?: unknown } | null)?.['~stepfleet'];
  if (kind === 'batch' || kind === 'items' || kind === 'plain') return value as HandlerDefinition;
  throw new StepfleetWorkerError(
    ErrorNames.crashed,
    `${url} must default-export a handler (defineBatchHandler, defineItemHandler, defineHandler, or a function)`,
  );
}

function stripStepfleet(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || !('stepfleet' in input))
    return input;
  const { stepfleet: _, ...rest } = input as Record<string, unknown>;
  return rest;
}

function failed(error: string, cause: string): TaskOutcome {
  return { type: 'failed', error, cause };
}
