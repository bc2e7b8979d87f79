/**
 * The execution slots of a worker (threads × tasks per thread), shared by the activities it
 * serves. A poller takes a slot *before* it polls, so a task is only ever taken when it can
 * start at once, and an open poll is never aborted. Which activity gets a slot that frees is
 * decided here, in this order:
 *
 * 1. **Share.** An activity holding fewer slots than its guaranteed share
 *    (`⌊slots × its pollers ÷ all pollers⌋`) goes first: with several slots each activity keeps
 *    its fair share, as before.
 * 2. **Starvation bound.** An activity that has waited `maxWaitMs` or more goes next, so a busy
 *    activity cannot hold the others off for ever.
 * 3. **Stickiness.** The activity whose last poll returned a task probably has more: the one
 *    that just freed the slot keeps it, else another such activity.
 * 4. Otherwise the activity that has waited longest.
 *
 * So one slot serving a batch activity and an aggregate activity runs batches back to back
 * while they come, and moves to the aggregate when a batch poll comes back empty, instead of
 * spending a whole poll window in an empty aggregate poll after every batch.
 */

interface Waiter {
  readonly since: number;
  readonly grant: (granted: boolean) => void;
}

/** What the slots know about one activity (its key). */
interface Lane {
  readonly key: string;
  /** Guaranteed share of the slots (may be 0 when there are fewer slots than activities). */
  share: number;
  held: number;
  /** Whether its last poll returned a task. */
  hot: boolean;
  readonly waiters: Waiter[];
}

/** Options of {@link Slots}. */
export interface SlotsOptions {
  /** Called with the number of busy slots whenever it changes. */
  readonly onChange?: (busy: number) => void;
  /** Wait after which an activity gets the next free slot before stickier ones (ms). */
  readonly maxWaitMs?: number;
  /** The clock (ms). */
  readonly now?: () => number;
}

/** The worker's slots and the policy that hands them to the activities' pollers. */
export class Slots {
  readonly size: number;
  #busy = 0;
  #closed = false;
  readonly #lanes = new Map<string, Lane>();
  readonly #onChange: (busy: number) => void;
  readonly #maxWaitMs: number;
  readonly #now: () => number;

  constructor(size: number, options: SlotsOptions = {}) {
    this.size = size;
    this.#onChange = options.onChange ?? (() => {});
    this.#maxWaitMs = options.maxWaitMs ?? Number.POSITIVE_INFINITY;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Declares the activities and their poller counts (their weights for the guaranteed share).
   * Keys not declared are served with a share of 0.
   */
  setWeights(weights: ReadonlyMap<string, number>): void {
    let total = 0;
    for (const w of weights.values()) total += w;
    for (const [key, w] of weights)
      this.#lane(key).share = total > 0 ? Math.floor((this.size * w) / total) : 0;
  }

  /** Slots taken (by a task or by a poll waiting for one). */
  get busy(): number {
    return this.#busy;
  }

  get free(): number {
    return this.size - this.#busy;
  }

  /** Slots held by one activity (its tasks and its open polls). */
  held(key: string): number {
    return this.#lanes.get(key)?.held ?? 0;
  }

  /** Waits for a free slot for `key`; resolves false once the slots are closed (draining). */
  acquire(key: string): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    const lane = this.#lane(key);
    if (this.#busy < this.size) {
      this.#busy++;
      lane.held++;
      this.#onChange(this.#busy);
      return Promise.resolve(true);
    }
    return new Promise((grant) => lane.waiters.push({ since: this.#now(), grant }));
  }

  /** Records whether `key`'s last poll returned a task (call before releasing that poll's slot). */
  polled(key: string, gotTask: boolean): void {
    this.#lane(key).hot = gotTask;
  }

  /** Gives back a slot `key` held: to the waiter the policy picks, if any. */
  release(key: string): void {
    const from = this.#lane(key);
    from.held--;
    const next = this.#closed ? undefined : this.#pick(from);
    if (next) {
      next.held++;
      (next.waiters.shift() as Waiter).grant(true);
      return;
    }
    this.#busy--;
    this.#onChange(this.#busy);
  }

  /** No more slots are granted; waiters get false. Slots held are still released as usual. */
  close(): void {
    this.#closed = true;
    for (const lane of this.#lanes.values()) for (const waiter of lane.waiters.splice(0)) waiter.grant(false);
  }

  #pick(from: Lane): Lane | undefined {
    const waiting = [...this.#lanes.values()].filter((lane) => lane.waiters.length > 0);
    if (waiting.length === 0) return undefined;
    const longest = (lanes: Lane[]): Lane | undefined =>
      lanes.reduce<Lane | undefined>(
        (best, lane) =>
          !best || (lane.waiters[0] as Waiter).since < (best.waiters[0] as Waiter).since ? lane : best,
        undefined,
      );
    const now = this.#now();
    return (
      longest(waiting.filter((lane) => lane.held < lane.share)) ??
      longest(waiting.filter((lane) => now - (lane.waiters[0] as Waiter).since >= this.#maxWaitMs)) ??
      (from.hot && from.waiters.length > 0 ? from : undefined) ??
      longest(waiting.filter((lane) => lane.hot)) ??
      longest(waiting)
    );
  }

  #lane(key: string): Lane {
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { key, share: 0, held: 0, hot: true, waiters: [] };
      this.#lanes.set(key, lane);
    }
    return lane;
  }
}
