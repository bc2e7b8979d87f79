import type { Service, Task } from './model.ts';

/** What happened to one task, for tests and benchmarks. */
export interface TaskObservation {
  readonly taskId: string;
  readonly taskArn: string;
  readonly cluster: string;
  /** The service that started it; undefined for a RunTask task. */
  readonly service?: string;
  readonly argv: readonly string[];
  readonly logFile: string;
  readonly createdAtMs: number;
  /** The process id while it ran; undefined if it never started. */
  pid?: number;
  startedAtMs?: number;
  stopRequestedAtMs?: number;
  /** Whether scale-in protection was on when its stop was requested. */
  protectedWhenStopRequested?: boolean;
  stoppedAtMs?: number;
  stoppedReason?: string;
  stopCode?: string;
  exitCode?: number | null;
  signal?: string | null;
}

/** desired / running / pending of one service at one moment. */
export interface CountSample {
  readonly atMs: number;
  readonly cluster: string;
  readonly service: string;
  readonly desiredCount: number;
  readonly runningCount: number;
  readonly pendingCount: number;
}

/** Observations kept at most (oldest dropped first), so a long run does not grow without bound. */
const MAX_TASKS = 10_000;
const MAX_SAMPLES = 20_000;

/**
 * A record of what the local ECS did: every task's process start and stop, and each service's
 * desired/running counts over time. Tests read it to check what the API cannot show (pids,
 * signals, whether a protected task was ever stopped by scale-in).
 */
export class EcsObservations {
  readonly #tasks = new Map<string, TaskObservation>();
  readonly #samples: CountSample[] = [];
  readonly #lastByService = new Map<string, CountSample>();
  readonly #waiters = new Set<() => void>();

  /** Every task observed (oldest first), optionally only those of one service. */
  tasks(filter: { service?: string } = {}): TaskObservation[] {
    const all = [...this.#tasks.values()];
    return filter.service === undefined ? all : all.filter((t) => t.service === filter.service);
  }

  /** One task by id. */
  task(taskId: string): TaskObservation | undefined {
    return this.#tasks.get(taskId);
  }

  /** Count samples (oldest first), optionally only those of one service. */
  samples(filter: { service?: string } = {}): CountSample[] {
    return filter.service === undefined
      ? [...this.#samples]
      : this.#samples.filter((s) => s.service === filter.service);
  }

  /**
   * Resolves with the first truthy value `check` returns, evaluated now and after every
   * change recorded; rejects after `timeoutMs` (real time) naming `what`.
   */
  waitFor<T>(check: () => T | undefined | null | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const evaluate = (): void => {
        let value: T | undefined | null | false;
        try {
          value = check();
        } catch (error) {
          done();
          reject(error);
          return;
        }
        if (value) {
          done();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(evaluate);
      };
      this.#waiters.add(evaluate);
      evaluate();
    });
  }

  /**
   * A JSON-ready view for the control API (`GET /_stepfleet/state`): every task observed and
   * the latest `sampleLimit` count samples.
   */
  snapshot(sampleLimit = 1000): { tasks: TaskObservation[]; samples: CountSample[] } {
    return { tasks: this.tasks(), samples: this.#samples.slice(-sampleLimit) };
  }

  /** Records the current state of a task (called on each of its transitions). */
  recordTask(task: Task): void {
    let seen = this.#tasks.get(task.id);
    if (!seen) {
      seen = {
        taskId: task.id,
        taskArn: task.arn,
        cluster: task.cluster.name,
        service: task.service?.name,
        argv: task.argv,
        logFile: task.logFile,
        createdAtMs: task.createdAtMs,
      };
      this.#tasks.set(task.id, seen);
      if (this.#tasks.size > MAX_TASKS) this.#tasks.delete(this.#tasks.keys().next().value as string);
    }
    seen.pid ??= task.process?.pid;
    seen.startedAtMs = task.startedAtMs;
    seen.stopRequestedAtMs = task.stoppingAtMs;
    seen.protectedWhenStopRequested = task.protectedWhenStopRequested;
    seen.stoppedAtMs = task.stoppedAtMs;
    seen.stoppedReason = task.stoppedReason;
    seen.stopCode = task.stopCode;
    this.#notify();
  }

  /** Records how a task's process ended. */
  recordExit(task: Task, exitCode: number | null, signal: string | null): void {
    const seen = this.#tasks.get(task.id);
    if (seen) {
      seen.exitCode = exitCode;
      seen.signal = signal;
    }
    this.recordTask(task);
  }

  /** Records a service's counts if they changed since its last sample. */
  recordCounts(service: Service, runningCount: number, pendingCount: number): void {
    const last = this.#lastByService.get(service.arn);
    if (
      last?.desiredCount === service.desiredCount &&
      last.runningCount === runningCount &&
      last.pendingCount === pendingCount
    ) {
      return;
    }
    const sample: CountSample = {
      atMs: Date.now(),
      cluster: service.cluster.name,
      service: service.name,
      desiredCount: service.desiredCount,
      runningCount,
      pendingCount,
    };
    this.#samples.push(sample);
    this.#lastByService.set(service.arn, sample);
    if (this.#samples.length > MAX_SAMPLES) this.#samples.splice(0, this.#samples.length - MAX_SAMPLES);
    this.#notify();
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
