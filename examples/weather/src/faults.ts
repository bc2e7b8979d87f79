/**
 * The fault test mode's effects, applied to one item before it is processed. Only what the
 * BatchInput's `faults` asks for happens; with no `faults`, nothing does.
 */
import type { WeatherFaults } from './batch-input.ts';
import { InjectedFaultError } from './errors.ts';

/** Exit code of a thread killed by `crashThreadOnKey` (EX_SOFTWARE). */
export const CRASH_EXIT_CODE = 70;

/**
 * Applies the faults that target `key` on this attempt: throws, hangs until `signal` aborts
 * (then throws its reason), or kills the current thread.
 */
export async function applyFaults(
  key: string,
  faults: WeatherFaults | undefined,
  attempt: number,
  signal: AbortSignal,
): Promise<void> {
  if (!faults || attempt >= (faults.attempts ?? Number.POSITIVE_INFINITY)) return;
  if (faults.crashThreadOnKey === key) {
    if ((faults.crashMode ?? 'exit') === 'exit') process.exit(CRASH_EXIT_CODE);
    setTimeout(() => {
      throw new InjectedFaultError(`${key}: the fault test mode crashed this thread (uncaught error)`);
    });
    // The thread dies on the next turn; nothing here may finish first.
    await untilAborted(signal);
  }
  if (faults.hangOnKey === key) await untilAborted(signal);
  if (faults.throwOnKeys?.includes(key)) {
    throw new InjectedFaultError(`${key}: the fault test mode failed this item (throwOnKeys)`);
  }
}

/** Never resolves; rejects with the signal's reason when it aborts. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    const abort = (): void => reject(signal.reason);
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
}
