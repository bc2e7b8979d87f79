/**
 * The fault test mode: what the batch handler does wrong on purpose, for the fault suite. It is
 * asked for in the `BatchInput` (`faults`), keyed by loan id, and does nothing when absent, so the
 * normal path never pays for it. The simulated result never depends on it: a batch either fails
 * or computes exactly what it would have computed undisturbed.
 */
import { isMainThread } from 'node:worker_threads';
import type { Loan } from './loan.ts';

/**
 * Faults fire on attempts below `attempts` (so a retry can succeed), on every attempt when it
 * is left out.
 */
export interface MonteCarloFaults {
  /** Loans (by id) whose batch throws `MonteCarlo.InjectedFault` naming the loan: the whole batch fails. */
  readonly throwOnLoans?: readonly string[];
  /**
   * A loan (by id) whose batch hangs without ever yielding to its event loop, as a stuck kernel
   * does: it never sees its AbortSignal, so the worker aborts it at its deadline and, since it
   * does not settle, terminates its thread (the batch fails `Handler.Timeout`).
   */
  readonly hangOnLoan?: string;
  /** A loan (by id) whose batch kills its handler thread (`process.exit(70)`): the batch fails `Worker.Crashed`. */
  readonly crashThreadOnLoan?: string;
  /** Faults fire while the task's attempt (`$$.State.RetryCount`) is below this. @defaultValue every attempt */
  readonly attempts?: number;
}

/** Exit code of a thread killed by `crashThreadOnLoan` (EX_SOFTWARE). */
export const CRASH_EXIT_CODE = 70;

const FIELDS = ['throwOnLoans', 'hangOnLoan', 'crashThreadOnLoan', 'attempts'];

/** A fault the test mode injected on purpose. */
export class InjectedFaultError extends Error {
  override readonly name = 'MonteCarlo.InjectedFault';
}

/**
 * Checks a `faults` value; returns the problem (a message naming the field under
 * `BatchInput.faults`), or null when it is valid.
 */
export function faultsProblem(faults: unknown): string | null {
  if (typeof faults !== 'object' || faults === null || Array.isArray(faults)) {
    return 'faults must be an object { throwOnLoans?, hangOnLoan?, crashThreadOnLoan?, attempts? }';
  }
  const f = faults as Record<string, unknown>;
  const unknown = Object.keys(f).find((k) => !FIELDS.includes(k));
  if (unknown !== undefined) return `faults.${unknown} is not a field (known: ${FIELDS.join(', ')})`;
  const { throwOnLoans, attempts } = f;
  if (
    throwOnLoans !== undefined &&
    !(Array.isArray(throwOnLoans) && throwOnLoans.every((id) => typeof id === 'string'))
  ) {
    return 'faults.throwOnLoans must be an array of loan ids';
  }
  for (const field of ['hangOnLoan', 'crashThreadOnLoan']) {
    if (f[field] !== undefined && (typeof f[field] !== 'string' || f[field] === '')) {
      return `faults.${field} must be a loan id`;
    }
  }
  if (attempts !== undefined && !(Number.isInteger(attempts) && (attempts as number) >= 1)) {
    return `faults.attempts must be an integer >= 1, got ${JSON.stringify(attempts)}`;
  }
  return null;
}

/**
 * Applies the faults that target a loan of this batch on this attempt: kills the thread, hangs
 * it, or throws. On the main thread (a handler called directly, not by a worker), a crash or a
 * hang would take the whole process: it throws instead.
 */
export function applyFaults(loans: readonly Loan[], faults: MonteCarloFaults | null, attempt: number): void {
  if (!faults || attempt >= (faults.attempts ?? Number.POSITIVE_INFINITY)) return;
  const ids = new Set(loans.map((loan) => loan.id));
  const hit = (id: string | undefined): id is string => id !== undefined && ids.has(id);
  if (hit(faults.crashThreadOnLoan)) {
    refuseOnMainThread('crashThreadOnLoan');
    process.exit(CRASH_EXIT_CODE);
  }
  if (hit(faults.hangOnLoan)) {
    refuseOnMainThread('hangOnLoan');
    // Blocks this thread for good without spending CPU: no timer, no message, no signal runs.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
  const thrown = faults.throwOnLoans?.find((id) => ids.has(id));
  if (thrown !== undefined) {
    throw new InjectedFaultError(`loan ${thrown}: the fault test mode failed this batch (throwOnLoans)`);
  }
}

function refuseOnMainThread(field: string): void {
  if (isMainThread) {
    throw new InjectedFaultError(`faults.${field} only runs in a worker thread (it would stop this process)`);
  }
}
