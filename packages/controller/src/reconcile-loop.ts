import type { Controller, ScaleResult } from './controller.ts';

/** Options of {@link runReconcileLoop}. */
export interface ReconcileLoopOptions {
  /** Time between the end of one pass and the start of the next. @defaultValue 10000 */
  readonly intervalMs?: number;
  /** Stops the loop (the pass under way finishes first). */
  readonly signal?: AbortSignal;
  /** Called after every pass, with what it did. */
  readonly onPass?: (results: readonly ScaleResult[]) => void;
  /** Called when a pass fails as a whole; the loop goes on. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Runs `controller.reconcile()` now and then every `intervalMs` until the signal aborts.
 * Passes never overlap; a failed pass is reported and the loop goes on (a controller that
 * cannot reach AWS for a while repairs the fleet when it can again).
 */
export async function runReconcileLoop(
  controller: Controller,
  options: ReconcileLoopOptions = {},
): Promise<void> {
  const intervalMs = options.intervalMs ?? 10_000;
  const { signal } = options;
  while (!signal?.aborted) {
    try {
      // Not `onPass?.(await ...)`: an optional call skips evaluating its arguments when absent.
      const results = await controller.reconcile();
      options.onPass?.(results);
    } catch (error) {
      options.onError?.(error);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, intervalMs);
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
