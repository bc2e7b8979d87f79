/**
 * The backend's sense of time. `timeScale` > 1 makes every wait the backend owns (state
 * machine Wait states, retry intervals, heartbeat and task timeouts, long-poll windows) pass
 * that many times faster, consistently, so tests of timeouts run in seconds.
 * Timestamps the backend reports (history events, DescribeMapRun) stay wall-clock times.
 */
export interface Clock {
  /** How many times faster than real time simulated durations pass. */
  readonly timeScale: number;
  /** Wall-clock now, in ms since the epoch. */
  now(): number;
  /** Runs `fn` after `simulatedMs` of simulated time. The timer does not keep the process alive. */
  setTimeout(fn: () => void, simulatedMs: number): NodeJS.Timeout;
  /** Resolves after `simulatedMs` of simulated time, or rejects with the signal's reason. */
  sleep(simulatedMs: number, signal?: AbortSignal): Promise<void>;
}

/** A clock whose simulated durations run `timeScale` times faster than real time. */
export function createClock(timeScale = 1): Clock {
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
    throw new RangeError(`timeScale must be a positive number, got ${timeScale}`);
  }
  const realMs = (simulatedMs: number): number => Math.max(0, simulatedMs / timeScale);
  return {
    timeScale,
    now: () => Date.now(),
    setTimeout: (fn, simulatedMs) => longTimeout(fn, realMs(simulatedMs)),
    sleep(simulatedMs, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = longTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, realMs(simulatedMs));
        const onAbort = (): void => {
          clearTimeout(timer);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

/** Node's timers hold at most 2^31 - 1 ms (~24.8 days); longer ones would fire after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * An unref'd timer for any delay, such as AWS's default TimeoutSeconds of 99,999,999 s: a
 * delay over Node's limit re-arms the same handle (`refresh`) until it is due, so
 * `clearTimeout` on the returned handle always cancels it.
 */
function longTimeout(fn: () => void, ms: number): NodeJS.Timeout {
  if (ms <= MAX_TIMER_MS) return setTimeout(fn, ms).unref();
  const dueAt = Date.now() + ms;
  const timer: NodeJS.Timeout = setTimeout(() => {
    if (Date.now() >= dueAt) fn();
    else timer.refresh();
  }, MAX_TIMER_MS);
  return timer.unref();
}
