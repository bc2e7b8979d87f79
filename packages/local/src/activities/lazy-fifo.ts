/**
 * A FIFO queue whose items can end while they wait (a queued task that times out, a poll whose
 * window closes). Ended items are skipped when reached instead of being searched for and
 * spliced out, and the backing array is compacted when ended items dominate it, so both push
 * and shift stay O(1) amortized and memory stays proportional to the live items.
 */
export class LazyFifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  /** Items known to have ended while queued and not yet dropped. */
  #ended = 0;
  readonly #isLive: (item: T) => boolean;

  constructor(isLive: (item: T) => boolean) {
    this.#isLive = isLive;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** Removes and returns the oldest live item, dropping ended ones on the way. */
  shift(): T | undefined {
    while (this.#head < this.#items.length) {
      const item = this.#items[this.#head]!;
      this.#items[this.#head++] = undefined;
      if (this.#isLive(item)) {
        this.#compact();
        return item;
      }
      if (this.#ended > 0) this.#ended--;
    }
    this.#items = [];
    this.#head = 0;
    this.#ended = 0;
    return undefined;
  }

  /** Live items, oldest first (a copy). */
  live(): T[] {
    return this.#items
      .slice(this.#head)
      .filter((item): item is T => item !== undefined && this.#isLive(item));
  }

  /** Call when an item ended while queued: compacts once ended items outnumber live ones. */
  noteEnded(): void {
    this.#ended++;
    if (this.#ended >= 1024 && this.#ended * 2 > this.size) {
      this.#items = this.live();
      this.#head = 0;
      this.#ended = 0;
    }
  }

  /** Slots in use, live or not (for tests of compaction). */
  get size(): number {
    return this.#items.length - this.#head;
  }

  #compact(): void {
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
