/**
 * Jittered exponential backoff ("full jitter"): attempt n waits a uniform time in
 * [0, min(maxMs, initialMs · 2^n)). Spreads retries of a fleet so they do not come in waves.
 */
export function backoffDelayMs(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(random() * ceiling);
}

/** Sleeps `ms`; resolves early (without throwing) when the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Calls `fn` until it succeeds, a non-retryable error is thrown, or `maxAttempts` are spent,
 * waiting a jittered backoff between attempts. `onRetry` sees each retried error.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: {
    readonly maxAttempts: number;
    readonly initialMs: number;
    readonly maxMs: number;
    readonly isRetryable: (error: unknown) => boolean;
    readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  },
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt + 1 >= options.maxAttempts || !options.isRetryable(error)) throw error;
      const delayMs = backoffDelayMs(attempt, options.initialMs, options.maxMs);
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
