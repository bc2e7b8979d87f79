/**
 * One execution: its identity, status and history, and the run that drives it from
 * ExecutionStarted to ExecutionSucceeded / Failed / Aborted / TimedOut (state machine
 * TimeoutSeconds). Stopping it aborts its signal, which reaches every wait, activity task
 * and Map Run child below it.
 */
import type { StateMachineDefinition } from './definition.ts';
import { ExecutionAborted, StatesError } from './errors.ts';
import { History, jsonText, NOT_TRUNCATED } from './history.ts';
import { runContainer } from './interpreter.ts';
import type { EngineServices, ExecutionIdentity, MapRunLauncher } from './runtime.ts';
import { MAX_PAYLOAD_BYTES } from './task.ts';
import { VariableScope } from './variables.ts';

/** An execution's status, as DescribeExecution reports it. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** What an execution is created from. */
export interface ExecutionInit {
  readonly arn: string;
  readonly name: string;
  readonly region: string;
  readonly roleArn: string;
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly definition: StateMachineDefinition;
  /** The definition text as DescribeStateMachineForExecution returns it. */
  readonly definitionText: string;
  readonly input: string;
  readonly inputValue: unknown;
  readonly type: 'STANDARD' | 'EXPRESS';
  /** Set for a Map Run's child execution. */
  readonly mapRunArn?: string;
  /** Aborting the parent (for a Map Run child) aborts this execution. */
  readonly parentSignal?: AbortSignal;
}

/** A running or finished execution. */
export class Execution implements ExecutionIdentity {
  readonly arn: string;
  readonly name: string;
  readonly region: string;
  readonly roleArn: string;
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly definition: StateMachineDefinition;
  readonly definitionText: string;
  readonly input: string;
  /** The parsed input; released by {@link compact} once the execution has closed. */
  inputValue: unknown;
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly mapRunArn: string | undefined;
  readonly startDate: number;
  readonly history: History;
  status: ExecutionStatus = 'RUNNING';
  stopDate: number | undefined;
  output: string | undefined;
  error: string | undefined;
  cause: string | undefined;
  /** Settles when the execution has closed (never rejects). */
  done: Promise<void> = Promise.resolve();
  readonly #controller = new AbortController();
  #stopRequest: { error?: string; cause?: string } | undefined;
  #timedOut = false;
  #detach: () => void = () => {};

  constructor(init: ExecutionInit, now: number, historyClock: () => number) {
    this.arn = init.arn;
    this.name = init.name;
    this.region = init.region;
    this.roleArn = init.roleArn;
    this.stateMachineArn = init.stateMachineArn;
    this.stateMachineName = init.stateMachineName;
    this.definition = init.definition;
    this.definitionText = init.definitionText;
    this.input = init.input;
    this.inputValue = init.inputValue;
    this.type = init.type;
    this.mapRunArn = init.mapRunArn;
    this.startDate = now;
    this.history = new History(historyClock);
    if (init.parentSignal) {
      const parent = init.parentSignal;
      const onAbort = (): void => this.#controller.abort();
      if (parent.aborted) this.#controller.abort();
      else {
        parent.addEventListener('abort', onAbort, { once: true });
        this.#detach = () => parent.removeEventListener('abort', onAbort);
      }
    }
  }

  /**
   * Drops the object forms of a closed execution's data, keeping their JSON text (shared
   * between events): a Map Run's thousands of finished children then cost little memory.
   */
  compact(): void {
    if (this.status === 'RUNNING') return;
    const memo = new Map<unknown, string>();
    if (typeof this.inputValue === 'object' && this.inputValue !== null)
      memo.set(this.inputValue, this.input);
    this.history.freeze(memo);
    this.inputValue = undefined;
  }

  /** Aborts the execution if it is still running; resolves once it has closed. */
  stop(error?: string, cause?: string): Promise<void> {
    if (this.status === 'RUNNING' && !this.#controller.signal.aborted) {
      this.#stopRequest = { error, cause };
      this.#controller.abort();
    }
    return this.done;
  }

  /** Starts the run; `onClose` is called once with the final status. */
  start(
    services: EngineServices,
    launchMapRun: MapRunLauncher,
    onClose: (execution: Execution) => void,
  ): void {
    // Nothing an execution does may reject unobserved: that would take the backend down.
    this.done = this.#run(services, launchMapRun)
      .then(() => onClose(this))
      .catch((error: unknown) =>
        services.logger?.error({ err: error, executionArn: this.arn }, 'execution close failed'),
      );
  }

  async #run(services: EngineServices, launchMapRun: MapRunLauncher): Promise<void> {
    const { clock } = services;
    const signal = this.#controller.signal;
    this.history.add('ExecutionStarted', {
      input: jsonText(this.inputValue),
      inputDetails: NOT_TRUNCATED,
      roleArn: this.roleArn,
    });
    const timeoutSeconds = this.definition.TimeoutSeconds;
    const timer =
      timeoutSeconds === undefined
        ? undefined
        : clock.setTimeout(() => {
            this.#timedOut = true;
            this.#controller.abort();
          }, timeoutSeconds * 1000);
    try {
      if (signal.aborted) throw new ExecutionAborted();
      const output = await runContainer(this.definition, this.inputValue, {
        services,
        execution: this,
        signal,
        variables: new VariableScope(),
        language: this.definition.QueryLanguage ?? 'JSONPath',
        launchMapRun,
      });
      const text = JSON.stringify(output) ?? 'null';
      if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
        throw new StatesError(
          'States.DataLimitExceeded',
          `The execution output has a size of ${Buffer.byteLength(text)} bytes, over the limit of ${MAX_PAYLOAD_BYTES} bytes`,
        );
      }
      if (signal.aborted) throw new ExecutionAborted();
      this.output = text;
      this.#close('SUCCEEDED', clock.now());
      this.history.add('ExecutionSucceeded', { output: jsonText(output), outputDetails: NOT_TRUNCATED });
    } catch (error) {
      if (signal.aborted) {
        if (this.#timedOut) {
          this.error = 'States.Timeout';
          this.cause = `The execution ran longer than the state machine's TimeoutSeconds (${timeoutSeconds})`;
          this.#close('TIMED_OUT', clock.now());
          this.history.add('ExecutionTimedOut', { error: this.error, cause: this.cause });
        } else {
          this.error = this.#stopRequest?.error;
          this.cause = this.#stopRequest?.cause;
          this.#close('ABORTED', clock.now());
          this.history.add('ExecutionAborted', {
            ...(this.error !== undefined ? { error: this.error } : {}),
            ...(this.cause !== undefined ? { cause: this.cause } : {}),
          });
        }
      } else {
        const e =
          error instanceof StatesError
            ? error
            : new StatesError(
                'States.Runtime',
                `Internal error: ${(error as Error)?.message ?? String(error)}`,
              );
        if (!(error instanceof StatesError))
          services.logger?.error({ err: error, executionArn: this.arn }, 'engine error');
        this.error = e.error;
        this.cause = e.causeText;
        this.#close('FAILED', clock.now());
        this.history.add('ExecutionFailed', { error: e.error, cause: e.causeText });
      }
    } finally {
      if (timer) clearTimeout(timer);
      this.#detach();
    }
  }

  #close(status: ExecutionStatus, now: number): void {
    this.status = status;
    this.stopDate = now;
  }
}
