/**
 * The engine: its registry, its services, and the one way executions are started (top-level
 * through StartExecution, children through a Map Run), so every execution is registered,
 * runs with the same services, and is stopped by {@link Engine.close}.
 */
import { Execution, type ExecutionInit } from './execution.ts';
import { runMapRun } from './map-run-driver.ts';
import { Registry } from './registry.ts';
import type { EngineServices, MapRunRequest } from './runtime.ts';

/** Owns the registry and starts executions. */
export class Engine {
  readonly registry = new Registry();
  readonly services: EngineServices;
  #closing: Promise<void> | undefined;

  constructor(services: EngineServices) {
    this.services = services;
  }

  /** Creates, registers and starts an execution. `onClose` runs once it has closed. */
  startExecution(init: ExecutionInit, onClose?: (execution: Execution) => void): Execution {
    const now = (): number => this.services.clock.now();
    const execution = new Execution(init, now(), now);
    this.registry.addExecution(execution);
    const log = this.services.logger;
    // Top-level executions are worth a line each; a Map Run's thousands of children are not.
    const level = init.mapRunArn ? 'debug' : 'info';
    log?.[level]({ executionArn: execution.arn }, 'execution started');
    execution.start(
      this.services,
      (request: MapRunRequest) => runMapRun(this, request),
      (e) => {
        log?.[level]({ executionArn: e.arn, status: e.status, error: e.error }, 'execution closed');
        onClose?.(e);
      },
    );
    return execution;
  }

  /** Whether the engine is shutting down (no new executions). */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  /** Aborts every running execution and waits for them to close. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const running = this.registry.running().filter((e) => !e.mapRunArn);
      await Promise.all(running.map((e) => e.stop('States.Aborted', 'The local backend is shutting down')));
    })();
    return this.#closing;
  }
}
