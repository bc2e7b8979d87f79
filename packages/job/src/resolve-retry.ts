import { type Checker, join } from './checker.ts';
import type { RetryPolicy } from './job-spec.ts';
import { MAX_ERROR_NAME_CHARS, MAX_RETRY_DELAY_SECONDS, MAX_STATES_SECONDS } from './limits.ts';

/**
 * The errors an activity task is retried on by default: the ones that say the worker, not the
 * batch, failed, so another attempt on another worker can succeed.
 *
 * - `Worker.Interrupted`: the worker was stopping (SIGTERM, scale-in, Spot reclaim) and handed
 *   the batch back before finishing it.
 * - `Worker.Crashed`: the handler's thread died (out of memory, native crash). Usually the
 *   container; a batch that crashes every worker still stops after `maxAttempts`.
 * - `States.HeartbeatTimeout`: the worker vanished without a word (SIGKILL, Spot reclaim,
 *   network). This is how a lost container shows up.
 *
 * Not retried by default:
 * - `States.Timeout`: the batch outlived `timeoutSeconds`; another attempt usually takes as long
 *   and doubles the bill. Add it when tasks can wait long for a worker (AWS counts that wait).
 * - `States.TaskFailed` / `States.ALL`: they also match the handler's own errors
 *   (`Input.Invalid`, a bug), which fail the same way every time.
 */
export const DEFAULT_RETRYABLE_ERRORS: readonly string[] = Object.freeze([
  'Worker.Interrupted',
  'Worker.Crashed',
  'States.HeartbeatTimeout',
]);

/** The `retry` defaults (besides {@link DEFAULT_RETRYABLE_ERRORS}). */
export const RETRY_DEFAULTS = Object.freeze({
  intervalSeconds: 2,
  maxAttempts: 3,
  backoffRate: 2,
  maxDelaySeconds: 60,
  jitter: 'FULL',
} as const);

/** The `States.*` error names that make sense on an activity task. */
const STATES_ERRORS_ALLOWED = [
  'States.ALL',
  'States.HeartbeatTimeout',
  'States.Timeout',
  'States.TaskFailed',
  'States.Permissions',
];

const KNOWN_FIELDS = ['errors', 'intervalSeconds', 'maxAttempts', 'backoffRate', 'maxDelaySeconds', 'jitter'];

/** The policy of `retry: false`: never retry. */
export const NO_RETRY: RetryPolicy = Object.freeze({
  ...RETRY_DEFAULTS,
  errors: Object.freeze([]),
  maxAttempts: 0,
});

/** Checks a retry policy input at `path` and fills in its defaults. */
export function resolveRetry(c: Checker, path: string, input: unknown): RetryPolicy | undefined {
  if (input === false) return NO_RETRY;
  const o = c.object(path, input, KNOWN_FIELDS);
  if (!o) return undefined;
  const errors = resolveErrorNames(c, join(path, 'errors'), o.errors);
  const intervalSeconds = c.integer(
    join(path, 'intervalSeconds'),
    o.intervalSeconds,
    { min: 1, max: MAX_STATES_SECONDS },
    RETRY_DEFAULTS.intervalSeconds,
  );
  const maxAttempts = c.integer(
    join(path, 'maxAttempts'),
    o.maxAttempts,
    { min: 0, max: MAX_STATES_SECONDS },
    RETRY_DEFAULTS.maxAttempts,
  );
  const backoffRate = c.number(
    join(path, 'backoffRate'),
    o.backoffRate,
    { min: 1, max: 1_000 },
    RETRY_DEFAULTS.backoffRate,
  );
  const maxDelaySeconds = c.integer(
    join(path, 'maxDelaySeconds'),
    o.maxDelaySeconds,
    { min: 1, max: MAX_RETRY_DELAY_SECONDS },
    RETRY_DEFAULTS.maxDelaySeconds,
  );
  const jitter = c.oneOf(join(path, 'jitter'), o.jitter, ['FULL', 'NONE'] as const, RETRY_DEFAULTS.jitter);
  if (intervalSeconds !== undefined && maxDelaySeconds !== undefined && maxDelaySeconds < intervalSeconds) {
    c.report(
      join(path, 'maxDelaySeconds'),
      `must be at least intervalSeconds (${intervalSeconds}), got ${maxDelaySeconds}`,
    );
    return undefined;
  }
  if (
    errors === undefined ||
    intervalSeconds === undefined ||
    maxAttempts === undefined ||
    backoffRate === undefined ||
    maxDelaySeconds === undefined ||
    jitter === undefined
  ) {
    return undefined;
  }
  return { errors, intervalSeconds, maxAttempts, backoffRate, maxDelaySeconds, jitter };
}

function resolveErrorNames(c: Checker, path: string, value: unknown): readonly string[] | undefined {
  if (value === undefined) return DEFAULT_RETRYABLE_ERRORS;
  if (!Array.isArray(value)) {
    c.report(path, 'must be an array of error names');
    return undefined;
  }
  const before = c.issues.length;
  const seen = new Set<string>();
  value.forEach((name, i) => {
    const at = join(path, i);
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_ERROR_NAME_CHARS) {
      c.report(at, `must be an error name of 1 to ${MAX_ERROR_NAME_CHARS} characters`);
    } else if (name.startsWith('States.') && !STATES_ERRORS_ALLOWED.includes(name)) {
      c.report(
        at,
        `is not a States error an activity task raises (use one of ${STATES_ERRORS_ALLOWED.join(', ')})`,
      );
    } else if (seen.has(name)) {
      c.report(at, `repeats ${JSON.stringify(name)}`);
    }
    if (typeof name === 'string') seen.add(name);
  });
  if (seen.has('States.ALL') && value.length > 1) {
    c.report(path, 'must hold States.ALL alone (AWS refuses it next to other names)');
  }
  return c.issues.length === before ? Object.freeze([...(value as string[])]) : undefined;
}
