/**
 * The execution slots of a worker (threads × tasks per thread). A poller takes a slot
 * *before* it polls, so a task is only ever taken when it can start at once.
 */
export class Slots {
  readonly size: number;
  #busy = 0;
  #closed = false;
  #waiters: Array<(granted: boolean) => void> = [];
  #onChange: (busy: number) => void;

  constructor(size: number, onChange: (busy: number) => void = () => {}) {
    this.size = size;
    this.#onChange = onChange;
  }

  /** Slots taken (by a task or by a poll waiting for one). */
  get busy(): number {
    return this.#busy;
  }

  get free(): number {
    return this.size - this.#busy;
  }

  /** Waits for a free slot; resolves false once the slots are closed (the worker is draining). */
  acquire(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#busy < this.size) {
      this.#busy++;
      this.#onChange(this.#busy);
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Gives a slot back (to the next waiter, if any). */
  release(): void {
    const next = this.#closed ? undefined : this.#waiters.shift();
    if (next) {
      next(true);
      return;
    }
    this.#busy--;
    this.#onChange(this.#busy);
  }

  /** No more slots are granted; waiters get false. Slots held are still released as usual. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter(false);
  }
}
