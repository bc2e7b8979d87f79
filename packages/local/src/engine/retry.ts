/**
 * Retry and Catch as the Amazon States Language specifies them: which error names a
 * Retrier/Catcher matches, and the delay before the next attempt (IntervalSeconds ×
 * BackoffRate^attempt, capped by MaxDelaySeconds, FULL jitter drawing uniformly below it).
 */

/** Errors `States.ALL` does not match (terminal for the state, per the ASL error docs). */
const NOT_MATCHED_BY_ALL: ReadonlySet<string> = new Set(['States.DataLimitExceeded', 'States.Runtime']);

/** Errors that are not task failures, so `States.TaskFailed` does not match them. */
const NOT_TASK_FAILURES: ReadonlySet<string> = new Set([
  'States.Timeout',
  'States.HeartbeatTimeout',
  'States.DataLimitExceeded',
  'States.Runtime',
]);

/**
 * Whether an `ErrorEquals` list matches the error name. `States.Runtime` matches nothing: AWS
 * documents it as never retried and always failing the execution, even when named.
 */
export function errorMatches(errorEquals: readonly string[], error: string): boolean {
  if (error === 'States.Runtime') return false;
  return errorEquals.some((name) => {
    if (name === error) return true;
    // A heartbeat timeout is a kind of timeout: `States.Timeout` covers both.
    if (name === 'States.Timeout' && error === 'States.HeartbeatTimeout') return true;
    if (name === 'States.ALL') return !NOT_MATCHED_BY_ALL.has(error);
    if (name === 'States.TaskFailed') return !NOT_TASK_FAILURES.has(error);
    return false;
  });
}

/** One Retrier of a state, as written in the definition. */
export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

/** The documented defaults of a Retrier. */
const RETRIER_DEFAULTS = { IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 } as const;

/**
 * The delay in ms before retry number `attempt` (0-based count of retries already made by this
 * Retrier), or null when the Retrier is exhausted.
 */
export function retryDelayMs(
  retrier: Retrier,
  attempt: number,
  random: () => number = Math.random,
): number | null {
  const maxAttempts = retrier.MaxAttempts ?? RETRIER_DEFAULTS.MaxAttempts;
  if (attempt >= maxAttempts) return null;
  const interval = retrier.IntervalSeconds ?? RETRIER_DEFAULTS.IntervalSeconds;
  const rate = retrier.BackoffRate ?? RETRIER_DEFAULTS.BackoffRate;
  let seconds = interval * rate ** attempt;
  if (retrier.MaxDelaySeconds !== undefined) seconds = Math.min(seconds, retrier.MaxDelaySeconds);
  if (retrier.JitterStrategy === 'FULL') seconds = random() * seconds;
  return seconds * 1000;
}

/** Index of the first Retrier/Catcher whose ErrorEquals matches, or -1. */
export function firstMatch(
  list: readonly { ErrorEquals: readonly string[] }[] | undefined,
  error: string,
): number {
  if (!list) return -1;
  return list.findIndex((r) => errorMatches(r.ErrorEquals, error));
}
