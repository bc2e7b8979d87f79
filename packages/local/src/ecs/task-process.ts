import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock } from '../clock.ts';

/** What a task's process runs. */
export interface TaskProcessSpec {
  /** argv[0] is the program (looked up on PATH), the rest its arguments. No shell. */
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** stdout and stderr are appended here, written by the child itself (no pipe through the backend). */
  readonly logFile: string;
}

/** How a task's process ended. */
export interface ProcessExit {
  /** Exit code, or null when a signal ended it or it never started. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (ENOENT, EACCES...). */
  readonly spawnError?: Error;
}

/**
 * One task's child process. It runs in its own process group, so that the group can be
 * killed as a whole when the container "goes away" (as a container's teardown kills every
 * process in it), while SIGTERM goes to the main process only, as `docker stop` does.
 */
export class TaskProcess {
  readonly #child: ChildProcess | undefined;
  readonly #clock: Clock;
  #killTimer: NodeJS.Timeout | undefined;
  #exit: ProcessExit | undefined;
  /** Resolves once the process has exited and been reaped (never rejects). */
  readonly exited: Promise<ProcessExit>;

  private constructor(child: ChildProcess | undefined, clock: Clock, exited: Promise<ProcessExit>) {
    this.#child = child;
    this.#clock = clock;
    this.exited = exited.then((exit) => {
      this.#exit = exit;
      if (this.#killTimer) clearTimeout(this.#killTimer);
      this.#killGroup();
      return exit;
    });
  }

  /**
   * Starts the process. Resolves once it is running (`onSpawn` style: the pid is known) or
   * failed to start; never rejects: a failure to start is reported through {@link exited}.
   */
  static async start(spec: TaskProcessSpec, clock: Clock): Promise<TaskProcess> {
    const [program, ...args] = spec.argv;
    let log: Awaited<ReturnType<typeof open>> | undefined;
    try {
      await mkdir(dirname(spec.logFile), { recursive: true });
      log = await open(spec.logFile, 'a');
      const child = spawn(program ?? '', args, {
        cwd: spec.cwd,
        env: spec.env,
        stdio: ['ignore', log.fd, log.fd],
        detached: true,
        windowsHide: true,
      });
      const exited = new Promise<ProcessExit>((resolve) => {
        child.once('exit', (code, signal) => resolve({ code, signal }));
        child.once('error', (error) => {
          // 'error' without a pid: the process never started, so no 'exit' will follow.
          if (child.pid === undefined) resolve({ code: null, signal: null, spawnError: error });
        });
      });
      await new Promise<void>((resolve) => {
        child.once('spawn', resolve);
        child.once('error', () => resolve());
      });
      return new TaskProcess(child, clock, exited);
    } catch (error) {
      const spawnError = error instanceof Error ? error : new Error(String(error));
      return new TaskProcess(undefined, clock, Promise.resolve({ code: null, signal: null, spawnError }));
    } finally {
      // The child holds its own copy of the descriptor.
      await log?.close().catch(() => undefined);
    }
  }

  /** The process id, while it runs. */
  get pid(): number | undefined {
    return this.#exit ? undefined : this.#child?.pid;
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.#child?.pid !== undefined && this.#exit === undefined;
  }

  /**
   * Asks the process to stop: SIGTERM now, SIGKILL (to its whole group) after `graceSeconds`
   * of the clock's simulated time if it has not exited by then. Calling it again does not
   * restart the grace period.
   */
  terminate(graceSeconds: number): void {
    if (!this.running || this.#killTimer) return;
    this.#signal('SIGTERM');
    this.#killTimer = this.#clock.setTimeout(() => this.kill(), graceSeconds * 1000);
  }

  /** SIGKILL to the process and its group, at once. Synchronous, so it can run in an `exit` handler. */
  kill(): void {
    if (!this.running) return;
    this.#killGroup();
  }

  #signal(signal: NodeJS.Signals): void {
    try {
      this.#child?.kill(signal);
    } catch {
      // Already gone: its 'exit' is on the way.
    }
  }

  #killGroup(): void {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: no process left in the group.
    }
  }
}
