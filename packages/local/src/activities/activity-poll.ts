import type { ActivityTask } from './activity-task.ts';

/** What a poll needs from the store when it ends. */
export interface PollContext {
  /** Called once, when the poll ends for any reason. */
  onEnded(poll: ActivityPoll): void;
}

/**
 * One waiting GetActivityTask call. It ends exactly once: handed a task, its window over, its
 * activity deleted, its client gone (when closed-connection polls are not kept), or shutdown.
 */
export class ActivityPoll {
  readonly workerName: string;
  /** The client's connection closed while it waited; AWS cannot know, so it may still get a task. */
  connectionClosed = false;
  #ended = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #ctx: PollContext;
  #resolve!: (task: ActivityTask | null) => void;
  /** The task handed over, or null when the poll ended empty. */
  readonly result: Promise<ActivityTask | null>;

  constructor(ctx: PollContext, workerName: string) {
    this.#ctx = ctx;
    this.workerName = workerName;
    this.result = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  get isWaiting(): boolean {
    return !this.#ended;
  }

  /** Arms the end of the poll window. */
  expireWith(timer: NodeJS.Timeout): void {
    this.#timer = timer;
  }

  /** Ends the poll with `task` (or empty); false if it had already ended. */
  end(task: ActivityTask | null): boolean {
    if (this.#ended) return false;
    this.#ended = true;
    clearTimeout(this.#timer);
    this.#resolve(task);
    this.#ctx.onEnded(this);
    return true;
  }
}
