/**
 * A local Lambda function for Retry tests: fails with `event.errorName` until it has been
 * called `event.failTimes` times for `event.key`, then answers `{ attempts }`.
 */
const calls = new Map<string, number>();

class NamedError extends Error {}

export default function flaky(event: { key: string; failTimes: number; errorName?: string }): {
  attempts: number;
} {
  const attempts = (calls.get(event.key) ?? 0) + 1;
  calls.set(event.key, attempts);
  if (attempts <= event.failTimes) {
    const error = new NamedError(`attempt ${attempts} failed`);
    error.name = event.errorName ?? 'FlakyError';
    throw error;
  }
  return { attempts };
}
