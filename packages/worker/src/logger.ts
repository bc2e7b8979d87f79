import { createHash } from 'node:crypto';
import pino, { type Logger } from 'pino';

/** The worker's default logger: JSON lines on stdout. */
export function createLogger(level: string, workerName: string): Logger {
  return pino({ level, base: { worker: workerName } });
}

/**
 * A short, stable hash of a task token for logs and object keys. Tokens are secrets (anyone
 * holding one can complete the task), so they are never logged whole.
 */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}
