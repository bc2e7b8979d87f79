/**
 * The worker's lifecycle as one state union, changed only through {@link Lifecycle.set},
 * which logs every transition and rejects an illegal one.
 *
 * INITIALIZED → RUNNING → DRAINING → STOPPING → STOPPED, and FAILED from any state when
 * startup or shutdown itself fails.
 * - RUNNING: polling; tasks run.
 * - DRAINING: no new polls; open polls return; in-flight tasks get the stop budget.
 * - STOPPING: what did not finish is failed `Worker.Interrupted`; the pool and servers close.
 */
import { IllegalStateError } from './errors.ts';

/** A state of the worker. */
export type WorkerState = 'INITIALIZED' | 'RUNNING' | 'DRAINING' | 'STOPPING' | 'STOPPED' | 'FAILED';

const allowed: Record<WorkerState, readonly WorkerState[]> = {
  INITIALIZED: ['RUNNING', 'STOPPED', 'FAILED'],
  RUNNING: ['DRAINING', 'STOPPING', 'FAILED'],
  DRAINING: ['STOPPING', 'FAILED'],
  STOPPING: ['STOPPED', 'FAILED'],
  STOPPED: [],
  FAILED: [],
};

/** Holds the state; `set` logs each change and calls `onChange`. */
export class Lifecycle {
  #state: WorkerState = 'INITIALIZED';
  readonly #log: { info(o: object, m: string): void };
  readonly #onChange: (from: WorkerState, to: WorkerState) => void;

  constructor(
    log: { info(o: object, m: string): void },
    onChange: (from: WorkerState, to: WorkerState) => void,
  ) {
    this.#log = log;
    this.#onChange = onChange;
  }

  get state(): WorkerState {
    return this.#state;
  }

  /** Moves to `next`; throws {@link IllegalStateError} when the transition is not allowed. */
  set(next: WorkerState): void {
    const from = this.#state;
    if (!allowed[from].includes(next))
      throw new IllegalStateError(`worker cannot go from ${from} to ${next}`);
    this.#state = next;
    this.#log.info({ from, to: next }, `worker ${next.toLowerCase()}`);
    this.#onChange(from, next);
  }
}
