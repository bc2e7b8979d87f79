/**
 * Real signals to real worker processes (the local ECS tasks of one service), while a run is
 * in progress: random SIGKILLs, and SIGTERM storms as a Spot interruption sends them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalBackend } from '@stepfleet/local';
import type { LocalRunContext } from 'stepfleet';
import { executionStatus } from './fault-suite.ts';

/** The pids of the service's tasks that are running now (started, not asked to stop). */
export function runningWorkerPids(backend: LocalBackend, service: string): number[] {
  return backend.ecs.observations
    .tasks({ service })
    .filter(
      (task) => task.pid !== undefined && task.startedAtMs !== undefined && task.stoppedAtMs === undefined,
    )
    .filter((task) => task.stopRequestedAtMs === undefined)
    .map((task) => task.pid!);
}

/** Whether the run's execution is still running. */
export async function stillRunning(backend: LocalBackend, context: LocalRunContext): Promise<boolean> {
  return (await executionStatus(backend, context.executionArn)) === 'RUNNING';
}

/** Waits until `count` batches have been picked up by workers (the fleet is at work). */
export async function untilWorking(
  backend: LocalBackend,
  context: LocalRunContext,
  count = 2,
): Promise<void> {
  const from = backend.activities.stats().counts.started;
  while (backend.activities.stats().counts.started - from < count && (await stillRunning(backend, context))) {
    await sleep(50);
  }
}

/**
 * Waits until workers hold `count` tasks at once (picked up, not closed), or the run has ended.
 * A fault aimed at busy workers waits for this rather than for new pick-ups, which a fast run
 * may have made already.
 */
export async function untilTasksHeld(
  backend: LocalBackend,
  context: LocalRunContext,
  count = 1,
): Promise<void> {
  while (backend.activities.stats().runningTasks < count && (await stillRunning(backend, context))) {
    await sleep(25);
  }
}

/** Sends `signal` to the given pids; returns how many were alive to receive it. */
export function signalPids(pids: readonly number[], signal: NodeJS.Signals): number {
  let sent = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      sent++;
    } catch {
      // Exited between the observation and the signal: nothing to do.
    }
  }
  return sent;
}

/** Options of {@link killWorkersAtRandom}. */
export interface RandomKillsOptions {
  readonly kills: number;
  /** Real milliseconds between two kills. */
  readonly everyMs: number;
  readonly signal?: NodeJS.Signals;
}

/**
 * SIGKILLs one random running worker while workers hold tasks, then every `everyMs` while the
 * run lasts, `kills` times at most; the service replaces each. Resolves with the number of kills.
 */
export async function killWorkersAtRandom(
  backend: LocalBackend,
  context: LocalRunContext,
  options: RandomKillsOptions,
): Promise<number> {
  let kills = 0;
  while (kills < options.kills && (await stillRunning(backend, context))) {
    await untilTasksHeld(backend, context);
    // Ended while waiting (the loop's check says so), or a gap between two tasks: look again.
    if (backend.activities.stats().runningTasks === 0) continue;
    const pids = runningWorkerPids(backend, context.deployment.service);
    const pid = pids[Math.floor(Math.random() * pids.length)];
    const killed = pid === undefined ? 0 : signalPids([pid], options.signal ?? 'SIGKILL');
    kills += killed;
    // None running at this instant (a replacement starting): look again soon.
    await sleep(killed ? options.everyMs : 25);
  }
  return kills;
}

/**
 * A Spot interruption: SIGTERM to `workers` running workers at once, `storms` times, each
 * after the service has brought replacements up. Resolves with the signals sent.
 *
 * Each worker gets one SIGTERM, as ECS sends it: the signals go to the pids directly, so ECS
 * still counts a draining worker as running until it exits, and a second storm aimed at it
 * would be the worker's "second signal: force", interrupting the batches it was finishing.
 */
export async function sigtermStorms(
  backend: LocalBackend,
  context: LocalRunContext,
  options: { readonly workers: number; readonly storms: number },
): Promise<number> {
  const service = context.deployment.service;
  const signalled = new Set<number>();
  const notSignalled = () => runningWorkerPids(backend, service).filter((pid) => !signalled.has(pid));
  await untilTasksHeld(backend, context, options.workers);
  let sent = 0;
  for (let storm = 0; storm < options.storms && (await stillRunning(backend, context)); storm++) {
    const pids = notSignalled().slice(0, options.workers);
    for (const pid of pids) signalled.add(pid);
    sent += signalPids(pids, 'SIGTERM');
    // The replacements start and take work before the next storm (a draining worker's open
    // polls may still hand it tasks: those pick-ups do not count as the replacements working).
    await backend.ecs.observations
      .waitFor(() => notSignalled().length >= options.workers, 10_000)
      .catch(() => undefined);
    await untilWorking(backend, context, 2);
  }
  return sent;
}
