/**
 * Every message between the main thread and a handler thread, in one place. A task goes to a
 * thread as a {@link RunTask} (piscina's task payload) with a `MessagePort` for the talk while
 * it runs; it comes back as a {@link TaskOutcome} (piscina's result).
 */
import type { MessagePort } from 'node:worker_threads';
import type { StepfleetTaskContext } from './envelope.ts';

/** Settings every thread needs, passed once as piscina `workerData`. */
export interface ThreadSettings {
  /** pino level for handler logs. */
  readonly logLevel: string;
  /** Default bucket of the S3 helpers when a reference names none. */
  readonly dataBucket: string | null;
  /** S3 client settings for the helpers (endpoint/region/path style; credentials from the environment). */
  readonly s3: { readonly region?: string; readonly endpoint?: string; readonly forcePathStyle: boolean };
}

/** Main → thread: run this task. */
export interface RunTask {
  readonly type: 'run';
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
  /** The channel for {@link MainToThread} and {@link ThreadToMain} while the task runs. */
  readonly port: MessagePort;
}

/** Main → thread while a task runs. */
export type MainToThread =
  /** Fire the handler's AbortSignal; the thread is terminated if it has not settled after a grace. */
  { readonly type: 'abort'; readonly reason: AbortReason };

/** Why a task's work is aborted. */
export type AbortReason = 'timeout' | 'task-lost' | 'interrupted';

/** Thread → main while a task runs. */
export type ThreadToMain =
  /** The task started on this thread: the main thread terminates it there if the handler hangs. */
  | { readonly type: 'started'; readonly threadId: number }
  /** The handler called `heartbeat()`: send one soon (coalesced with the scheduled ones). */
  | { readonly type: 'heartbeat' };

/** Thread → main: how the task ended (piscina's result value). */
export type TaskOutcome =
  /** `output` is the JSON text to report, serialized in the thread to spare the main thread. */
  | { readonly type: 'succeeded'; readonly output: string }
  /** `error` / `cause` as reported to SendTaskFailure (truncated by the reporter). */
  | { readonly type: 'failed'; readonly error: string; readonly cause: string };
