import type { Clock } from '../clock.ts';
import type { Task } from './model.ts';

/**
 * Task scale-in protection, shared by UpdateTaskProtection and the agent endpoint.
 * Limits from https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateTaskProtection.html:
 * expiresInMinutes 1–2,880, default 120; it restarts on every call that enables protection.
 */
export const PROTECTION_DEFAULT_MINUTES = 120;
/** Longest protection one call can set (48 hours). */
export const PROTECTION_MAX_MINUTES = 2880;

/** Whether the task is under scale-in protection now. */
export function isProtected(task: Task): boolean {
  return task.protection.enabled;
}

/**
 * Turns protection on for `expiresInMinutes` of the clock's simulated time (restarting any
 * earlier expiry), or off. `onExpired` runs when it lapses by itself, so the service can
 * finish a scale-in it had to hold back.
 */
export function setProtection(
  clock: Clock,
  task: Task,
  enabled: boolean,
  expiresInMinutes: number,
  onExpired: () => void,
): void {
  clearProtection(task);
  if (!enabled) return;
  const simulatedMs = expiresInMinutes * 60_000;
  task.protection.enabled = true;
  task.protection.expiresAtMs = clock.now() + simulatedMs / clock.timeScale;
  task.protection.timer = clock.setTimeout(() => {
    clearProtection(task);
    onExpired();
  }, simulatedMs);
}

/** Removes protection and its expiry timer. */
export function clearProtection(task: Task): void {
  if (task.protection.timer) clearTimeout(task.protection.timer);
  task.protection.enabled = false;
  task.protection.expiresAtMs = undefined;
  task.protection.timer = undefined;
}
