/**
 * Puts the progress view on a stream: on a terminal, redrawn in place at most
 * {@link ProgressDisplayOptions.redrawMs} apart (cursor up, each line overwritten and cleared
 * to its end: no flicker, no full-screen clear); elsewhere (CI logs), one plain line every
 * {@link ProgressDisplayOptions.plainEveryMs} and at every phase change.
 */
import type { Writable } from 'node:stream';
import { isFinished, type ProgressSnapshot } from './progress-snapshot.ts';
import { renderProgress, renderProgressLine } from './progress-view.ts';

/** Options of {@link ProgressDisplay}. */
export interface ProgressDisplayOptions {
  /**
   * Redraw in place with ANSI codes (a terminal) or print plain lines.
   * @defaultValue whether the stream is a TTY
   */
  readonly tty?: boolean;
  /**
   * Least time between two redraws on a terminal (the elapsed clock ticks between reads).
   * @defaultValue 250
   */
  readonly redrawMs?: number;
  /**
   * Time between two plain lines when nothing changes phase.
   * @defaultValue 5000
   */
  readonly plainEveryMs?: number;
}

type Out = Writable & { isTTY?: boolean; columns?: number };

/** Shows snapshots on one stream; `log()` prints a message above the view. */
export class ProgressDisplay {
  readonly #out: Out;
  readonly #tty: boolean;
  readonly #redrawMs: number;
  readonly #plainEveryMs: number;
  #snapshot: ProgressSnapshot | undefined;
  /** Lines of the view currently on screen (TTY). */
  #drawn = 0;
  #paused = false;
  #timer: NodeJS.Timeout | undefined;
  #lastPlainMs = 0;
  #lastPlainKey = '';

  constructor(out: Out, options: ProgressDisplayOptions = {}) {
    this.#out = out;
    this.#tty = options.tty ?? out.isTTY === true;
    this.#redrawMs = options.redrawMs ?? 250;
    this.#plainEveryMs = options.plainEveryMs ?? 5000;
  }

  /** Takes a new snapshot: drawn now on a terminal, printed if due in a log. */
  update(snapshot: ProgressSnapshot): void {
    this.#snapshot = snapshot;
    if (this.#tty) {
      this.#draw();
      this.#timer ??= setInterval(() => this.#tick(), this.#redrawMs).unref();
      return;
    }
    const key = `${snapshot.status}|${snapshot.phase}|${snapshot.mapRunStatus}`;
    if (
      key !== this.#lastPlainKey ||
      snapshot.atMs - this.#lastPlainMs >= this.#plainEveryMs ||
      isFinished(snapshot)
    ) {
      this.#lastPlainKey = key;
      this.#lastPlainMs = snapshot.atMs;
      this.#out.write(`${renderProgressLine(snapshot)}\n`);
    }
  }

  /** Prints a line of text above the view. */
  log(line: string): void {
    this.#erase();
    this.#out.write(`${line}\n`);
    if (!this.#paused) this.#draw();
  }

  /** Removes the view from the screen until {@link resume} (for a question). */
  pause(): void {
    this.#paused = true;
    this.#erase();
  }

  /** Shows the view again after {@link pause}. */
  resume(): void {
    this.#paused = false;
    this.#draw();
  }

  /** Draws the last snapshot for good and stops redrawing. Idempotent. */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#tty && this.#drawn > 0) this.#out.write('\x1b[?25h');
    this.#drawn = 0;
  }

  #tick(): void {
    const s = this.#snapshot;
    // Between reads only the elapsed clock moves; a finished run's clock has stopped.
    if (s && !isFinished(s)) this.#draw({ ...s, atMs: Math.max(s.atMs, Date.now()) });
  }

  #draw(snapshot = this.#snapshot): void {
    if (!this.#tty || this.#paused || !snapshot) return;
    const lines = renderProgress(snapshot, { columns: (this.#out.columns ?? 80) - 1, color: true });
    let text = this.#drawn > 0 ? `\x1b[${this.#drawn}F` : '\x1b[?25l';
    for (const line of lines) text += `${line}\x1b[K\n`;
    // A view that shrank leaves lines below: clear them.
    if (lines.length < this.#drawn) text += '\x1b[J';
    this.#out.write(text);
    this.#drawn = lines.length;
  }

  #erase(): void {
    if (!this.#tty || this.#drawn === 0) return;
    this.#out.write(`\x1b[${this.#drawn}F\x1b[J\x1b[?25h`);
    this.#drawn = 0;
  }
}
