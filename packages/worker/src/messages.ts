/**
 * Every message between the main thread and a handler thread, in one place. A task goes to a
 * thread as a {@link RunTask} (piscina's task payload) and comes back as a {@link TaskOutcome}
 * (piscina's result). While it runs, the rare messages about it ({@link MainToThread},
 * {@link ThreadToMain}) go over one BroadcastChannel per worker, tagged with the task's id: no
 * port is created or transferred per task, which keeps dispatch cheap.
 */
import type { StepfleetTaskContext } from './envelope.ts';

/** Settings every thread needs, passed once as piscina `workerData`. */
export interface ThreadSettings {
  /** pino level for handler logs. */
  readonly logLevel: string;
  /** The worker's name, on every handler log line. */
  readonly workerName: string;
  /** Name of the worker's BroadcastChannel for {@link MainToThread} / {@link ThreadToMain}. */
  readonly channel: string;
  /** Default bucket of the S3 helpers when a reference names none. */
  readonly dataBucket: string | null;
  /** S3 client settings for the helpers (endpoint/region/path style; credentials from the environment). */
  readonly s3: { readonly region?: string; readonly endpoint?: string; readonly forcePathStyle: boolean };
}

/** Main → thread: run this task. */
export interface RunTask {
  readonly type: 'run';
  /** Id of the task within this worker process (tags its channel messages). */
  readonly taskId: number;
  /**
   * `[threadId, abortCode]` over a SharedArrayBuffer: the thread stores its `threadId` when the
   * task starts (so the main thread can terminate it if the handler ignores its signal), and
   * finds the abort code set if the task was aborted while queued.
   */
  readonly shared: Int32Array;
  /** URL of the handler module (`file:` URL string). */
  readonly handlerUrl: string;
  /** The parsed task input. */
  readonly input: unknown;
  /** The `stepfleet` block of the input, already checked. */
  readonly task: StepfleetTaskContext | undefined;
  /** When the handler's deadline passes, ms since the epoch; null for none. */
  readonly deadlineAt: number | null;
  /** Fields every log line of this task carries (execution id, attempt, token hash...). */
  readonly logBindings: Readonly<Record<string, unknown>>;
}

/** Main → thread while a task runs. */
export type MainToThread =
  /** Fire the handler's AbortSignal; the thread is terminated if it has not settled after a grace. */
  { readonly type: 'abort'; readonly taskId: number; readonly reason: AbortReason };

/** Why a task's work is aborted. */
export type AbortReason = 'timeout' | 'task-lost' | 'interrupted';

/** Thread → main while a task runs. */
export type ThreadToMain =
  /** The handler called `heartbeat()`: send one soon (coalesced with the scheduled ones). */
  { readonly type: 'heartbeat'; readonly taskId: number };

/** Any message on the worker's channel (threads and main thread all hear every one). */
export type ChannelMessage = MainToThread | ThreadToMain;

/** Thread → main: how the task ended (piscina's result value). */
export type TaskOutcome =
  /** `output` is the JSON text to report, serialized in the thread to spare the main thread. */
  | { readonly type: 'succeeded'; readonly output: string }
  /** `error` / `cause` as reported to SendTaskFailure (truncated by the reporter). */
  | { readonly type: 'failed'; readonly error: string; readonly cause: string };
