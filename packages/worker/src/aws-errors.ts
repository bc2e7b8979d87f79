/**
 * How the worker classifies what AWS SDK calls throw (AWS-FACTS.md): task-gone errors are
 * final ("stop working on it"), throttling / 5xx / network errors are retried with backoff.
 */

const TASK_GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'ActivityWorkerLimitExceeded',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
}

/** The error name of an SDK error (`TaskTimedOut`, `ThrottlingException`...). */
export function awsErrorName(error: unknown): string {
  const e = error as SdkErrorShape | null;
  return (typeof e?.name === 'string' && e.name) || 'Error';
}

/** TaskTimedOut / TaskDoesNotExist / InvalidToken: the task is closed or gone; never retry. */
export function isTaskGone(error: unknown): boolean {
  return TASK_GONE.has(awsErrorName(error));
}

/** A throttling error (retryable, counted apart). */
export function isThrottle(error: unknown): boolean {
  return THROTTLING.has(awsErrorName(error));
}

/** Throttling, a 5xx, or a network error (no HTTP response at all): retry with backoff. */
export function isRetryable(error: unknown): boolean {
  if (isThrottle(error)) return true;
  const e = error as SdkErrorShape | null;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  if (status !== undefined && status >= 400) return false;
  if (e?.code && NETWORK_CODES.has(e.code)) return true;
  // No HTTP status: the request never got an answer (reset, timeout, refused).
  return status === undefined;
}
