/**
 * Follows one execution to its end on a {@link ProgressDisplay}, and handles Ctrl-C the way
 * `stepfleet run` and `stepfleet status` promise: the first asks whether to stop the execution
 * (or stops it with `--stop-on-exit`, or detaches when there is no one to ask), a second exits.
 */
import { createInterface } from 'node:readline/promises';
import { type SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { ProgressDisplay } from './progress-display.ts';
import type { ProgressReader } from './progress-reader.ts';
import { isFinished, type ProgressSnapshot } from './progress-snapshot.ts';

/** What to do on the first Ctrl-C. */
export type InterruptPolicy =
  /** Stop the execution at once (`--stop-on-exit`). */
  | 'stop'
  /** Ask on the terminal whether to stop it; "no" goes on watching (or detaches, see `detachOnNo`). */
  | 'ask'
  /** Leave the execution running and stop watching (`stepfleet status`). */
  | 'detach';

/** Options of {@link watchRun}. */
export interface WatchOptions {
  readonly sfn: SFNClient;
  readonly executionArn: string;
  readonly reader: ProgressReader;
  readonly display: ProgressDisplay;
  /** @defaultValue 'detach' */
  readonly onInterrupt?: InterruptPolicy;
  /** After "no" to the question: detach (AWS: the run goes on without us) or keep watching (local). */
  readonly detachOnNo?: boolean;
  /**
   * Time between two reads of the APIs.
   * @defaultValue 1000
   */
  readonly refreshMs?: number;
  /** Called with every snapshot (tests, benchmarks). */
  readonly onSnapshot?: (snapshot: ProgressSnapshot) => void;
  /** Stops watching when it aborts (the run is abandoned): the watch ends `detached`. */
  readonly signal?: AbortSignal;
}

/** How the watch ended. */
export interface WatchOutcome {
  /** The last snapshot; complete (every child history read) when the run finished. */
  readonly snapshot: ProgressSnapshot;
  /** `finished`: the execution closed; `detached`: we stopped watching a running execution; `forced`: a second Ctrl-C. */
  readonly end: 'finished' | 'detached' | 'forced';
}

/** Watches until the execution closes, the user detaches, or a second Ctrl-C. */
export async function watchRun(options: WatchOptions): Promise<WatchOutcome> {
  const { sfn, executionArn, reader, display } = options;
  const refreshMs = options.refreshMs ?? 1000;
  const policy = options.onInterrupt ?? 'detach';
  let interrupts = 0;
  let end: WatchOutcome['end'] | undefined;
  const wake = new AbortController();
  let asking: Promise<void> | undefined;

  const stop = async (why: string) => {
    display.log(`stopping the execution (${why})…`);
    await sfn
      .send(
        new StopExecutionCommand({
          executionArn,
          error: 'Stepfleet.Interrupted',
          cause: `stopped from the command line: ${why}`,
        }),
      )
      .catch((error: Error) => display.log(`StopExecution failed: ${error.message}`));
  };
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) {
      end = 'forced';
      wake.abort();
      return;
    }
    if (policy === 'stop') asking = stop('Ctrl-C');
    else if (policy === 'detach') {
      end = 'detached';
      wake.abort();
    } else asking = ask();
  };
  const ask = async () => {
    display.pause();
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    // The terminal is in raw mode while reading: Ctrl-C reaches readline, not the process.
    rl.on('SIGINT', () => {
      rl.close();
      onSigint();
    });
    try {
      const answer = await rl.question('Stop the execution? [y/N] (Ctrl-C again to exit) ');
      if (/^y(es)?$/i.test(answer.trim())) await stop('Ctrl-C, confirmed');
      else if (options.detachOnNo) {
        end = 'detached';
        wake.abort();
      } else interrupts = 0;
    } catch {
      // readline rejects when closed by a second Ctrl-C: that one is handled by onSigint.
    } finally {
      rl.close();
      display.resume();
    }
  };

  process.on('SIGINT', onSigint);
  const onAbort = () => {
    end ??= 'detached';
    wake.abort();
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  let snapshot: ProgressSnapshot | undefined;
  try {
    for (;;) {
      try {
        snapshot = await reader.read({ signal: wake.signal });
      } catch (error) {
        if (end) break;
        display.log(`reading progress failed: ${(error as Error).message}`);
      }
      if (snapshot) {
        options.onSnapshot?.(snapshot);
        if (isFinished(snapshot)) {
          snapshot = await reader.read({ complete: true });
          options.onSnapshot?.(snapshot);
          display.update(snapshot);
          end = 'finished';
          break;
        }
        display.update(snapshot);
      }
      if (end) break;
      await sleep(refreshMs, wake.signal);
      if (end) break;
    }
  } finally {
    process.off('SIGINT', onSigint);
    options.signal?.removeEventListener('abort', onAbort);
    // A forced exit does not wait for an open question.
    if (end !== 'forced') await asking?.catch(() => {});
    display.close();
  }
  if (!snapshot) throw new Error(`could not read the execution ${executionArn}`);
  return { snapshot, end: end ?? 'finished' };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
