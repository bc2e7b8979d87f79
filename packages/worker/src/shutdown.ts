/**
 * Signal handling: the first SIGTERM/SIGINT starts a graceful shutdown (drain within the stop
 * budget), a second one forces it (interrupt everything now). Returns a function that removes
 * the handlers again.
 */
export function handleStopSignals(
  target: { shutdown(reason: string): Promise<void>; force(reason: string): void },
  log: { warn(o: object, m: string): void },
): () => void {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    received++;
    if (received === 1) {
      log.warn({ signal }, 'stop signal: draining (send it again to force)');
      // shutdown() never rejects; the catch only guards against an unforeseen bug.
      target.shutdown(signal).catch(() => {});
    } else {
      log.warn({ signal }, 'second stop signal: forcing');
      target.force(signal);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}

/**
 * The stop budget: ECS sends SIGKILL `stopTimeoutSeconds` after SIGTERM, so everything,
 * reports of interrupted tasks included, must be done `stopMarginMs` before that.
 */
export function stopDeadline(startedAt: number, stopTimeoutSeconds: number, stopMarginMs: number): number {
  return startedAt + Math.max(0, stopTimeoutSeconds * 1000 - stopMarginMs);
}
