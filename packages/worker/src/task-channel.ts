/**
 * The main thread's side of the worker's BroadcastChannel (see messages.ts): gives each task an
 * id and a small shared state, routes heartbeat requests from handlers to their task, and
 * sends aborts. One channel per worker instead of a MessagePort per task keeps dispatch cheap.
 */
import { randomUUID } from 'node:crypto';
import type { AbortReason, ChannelMessage, MainToThread } from './messages.ts';

/** Codes of {@link AbortReason} in a task's shared state (0: not aborted). */
export const abortCodes: Readonly<Record<AbortReason, number>> = {
  timeout: 1,
  'task-lost': 2,
  interrupted: 3,
};

/** Index of the thread id (0 until the task starts) and of the abort code in a task's shared state. */
export const SHARED_THREAD_ID = 0;
export const SHARED_ABORT = 1;

/** A task's side of the channel. */
export interface TaskLink {
  readonly taskId: number;
  /** `[threadId, abortCode]` over a SharedArrayBuffer, written by the thread and by {@link abort}. */
  readonly shared: Int32Array;
  /** Fires the handler's signal: at once if it runs, when it starts if it is still queued. */
  abort(reason: AbortReason): void;
  /** The thread running the task, or null while it is queued. */
  threadId(): number | null;
  /** Stops routing messages to this task. */
  close(): void;
}

/** The worker's channel to its handler threads. */
export class TaskChannel {
  /** Passed to the threads in their settings. */
  readonly name = `stepfleet-worker-${process.pid}-${randomUUID()}`;
  readonly #channel = new BroadcastChannel(this.name);
  readonly #onHeartbeat = new Map<number, () => void>();
  #nextId = 1;

  constructor() {
    (this.#channel as unknown as { unref?: () => void }).unref?.();
    this.#channel.onmessage = (event: { data: ChannelMessage }) => {
      if (event.data.type === 'heartbeat') this.#onHeartbeat.get(event.data.taskId)?.();
    };
  }

  /** Opens a link for a new task; `onHeartbeat` runs when its handler calls `heartbeat()`. */
  open(onHeartbeat: () => void): TaskLink {
    const taskId = this.#nextId++;
    const shared = new Int32Array(new SharedArrayBuffer(8));
    this.#onHeartbeat.set(taskId, onHeartbeat);
    return {
      taskId,
      shared,
      abort: (reason) => {
        Atomics.store(shared, SHARED_ABORT, abortCodes[reason]);
        this.#channel.postMessage({ type: 'abort', taskId, reason } satisfies MainToThread);
      },
      threadId: () => Atomics.load(shared, SHARED_THREAD_ID) || null,
      close: () => {
        this.#onHeartbeat.delete(taskId);
      },
    };
  }

  /** Closes the channel (at shutdown). */
  close(): void {
    this.#channel.close();
  }
}
