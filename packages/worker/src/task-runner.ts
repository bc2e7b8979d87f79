/**
 * Runs one task from the token's arrival to its report: parse and check the input, hold its
 * heartbeat, run the handler in a thread under a deadline, abort it when the task is lost or
 * the worker stops, free the slot, report the outcome. Never throws.
 */
import type { Logger } from 'pino';
import type { Piscina } from 'piscina';
import { isBatchInput, readTaskContext, type StepfleetTaskContext } from './envelope.ts';
import { ErrorNames } from './errors.ts';
import type { TaskEventInfo } from './events.ts';
import type { Heartbeater } from './heartbeat.ts';
import { tokenHash } from './logger.ts';
import type { AbortReason, RunTask, TaskOutcome } from './messages.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { ResolvedActivity } from './options.ts';
import type { Reporter, ReportResult } from './reporter.ts';
import type { TaskChannel } from './task-channel.ts';

/** What a task needs from the worker. */
export interface TaskRunnerContext {
  readonly pool: Piscina<RunTask, TaskOutcome>;
  readonly channel: TaskChannel;
  readonly heartbeater: Heartbeater;
  readonly reporter: Reporter;
  readonly metrics: WorkerMetrics;
  readonly log: Logger;
  readonly workerName: string;
  readonly timeScale: number;
  readonly heartbeatFraction: number;
  readonly timeoutMarginMs: number;
  readonly abortGraceMs: number;
  /** The stop deadline once draining (ms since the epoch), else null. */
  stopDeadline(): number | null;
  /** Mean duration of recent tasks of the activity, ms (null before the first). */
  expectedDurationMs(activityArn: string): number | null;
  recordDuration(activityArn: string, ms: number): void;
  taskStarted(info: TaskEventInfo): void;
  taskSucceeded(info: TaskEventInfo, durationMs: number, offloadedTo?: string): void;
  taskFailed(info: TaskEventInfo, durationMs: number, error: string): void;
  taskLost(info: TaskEventInfo, reason: string): void;
  reportUndelivered(info: TaskEventInfo, error: unknown): void;
  /**
   * Asks to free the task's slot before its report is sent, so the next poll overlaps the
   * report instead of waiting for it. Granted while fewer reports than slots are under way
   * (throttled reports must not pile up tokens and outputs without bound); a grant is given
   * back with `reportDone`.
   */
  reportAhead(): boolean;
  reportDone(): void;
}

/** What the worker does when a task's slot frees and when the task is over. */
export interface TaskRunnerCallbacks {
  /** Frees the execution slot; may be called more than once. */
  readonly freeSlot: () => void;
  /** The task is reported (or given up): forget it. Called once, after `freeSlot`. */
  readonly finished: () => void;
}

/** A task in flight, as the worker tracks it. */
export class RunningTask {
  readonly token: string;
  readonly tokenHash: string;
  readonly activity: ResolvedActivity;
  /** Settles when the task is reported (or given up) and its slot freed. */
  readonly done: Promise<void>;
  readonly #ctx: TaskRunnerContext;
  readonly #startedAt = Date.now();
  #info: TaskEventInfo;
  #abortWork: ((reason: AbortReason) => void) | undefined;
  #interruptReport: Promise<unknown> | undefined;
  #settled = false;
  #reporting = false;
  /** The slot was freed before the report (see `reportAhead`). */
  #reportingAhead = false;
  readonly #freeSlot: () => void;
  readonly #ready: Promise<unknown> | undefined;

  /** `ready`: the handler waits for it (task protection), after the heartbeat is held. */
  constructor(
    ctx: TaskRunnerContext,
    activity: ResolvedActivity,
    token: string,
    input: string,
    callbacks: TaskRunnerCallbacks,
    ready?: Promise<unknown>,
  ) {
    this.#ctx = ctx;
    this.#freeSlot = callbacks.freeSlot;
    this.#ready = ready;
    this.activity = activity;
    this.token = token;
    this.tokenHash = tokenHash(token);
    this.#info = {
      activityArn: activity.activityArn,
      tokenHash: this.tokenHash,
      executionId: undefined,
      attempt: undefined,
    };
    this.done = this.#run(input)
      .catch((error: unknown) =>
        ctx.log.error({ err: error, token: this.tokenHash }, 'task runner failed unexpectedly'),
      )
      .finally(() => {
        this.#settled = true;
        ctx.heartbeater.release(token);
        if (this.#reportingAhead) ctx.reportDone();
        callbacks.freeSlot();
        callbacks.finished();
      });
  }

  /** The execution id from the task's `stepfleet` block, once the input is parsed. */
  get executionId(): string | undefined {
    return this.#info.executionId;
  }

  /**
   * The worker is stopping and this task cannot finish: report `Worker.Interrupted` now (it is
   * retryable), then abort the handler. Resolves when the report is done.
   */
  interrupt(): Promise<unknown> {
    if (this.#settled) return Promise.resolve();
    // Its outcome is being reported already: let that report finish instead of racing it.
    if (this.#reporting && this.#interruptReport === undefined) return this.done;
    this.#interruptReport ??= this.#reportFailure(
      ErrorNames.interrupted,
      'the worker stopped (SIGTERM, scale-in or Spot interruption) before the task finished; it is safe to retry',
    ).finally(() => this.#abortWork?.('interrupted'));
    return this.#interruptReport;
  }

  async #run(inputText: string): Promise<void> {
    const ctx = this.#ctx;
    let input: unknown;
    try {
      input = JSON.parse(inputText);
    } catch (error) {
      ctx.taskStarted(this.#info);
      await this.#reportFailure(
        ErrorNames.inputInvalid,
        `the task input is not JSON: ${(error as Error).message}`,
      );
      return;
    }
    const { context: task, problems } = readTaskContext(input);
    this.#info = { ...this.#info, executionId: task?.executionId, attempt: task?.attempt };
    const log = ctx.log.child(this.#logBindings(task, input));
    ctx.taskStarted(this.#info);
    if (problems.length > 0) {
      await this.#reportFailure(
        ErrorNames.inputInvalid,
        `the stepfleet block is malformed: ${problems.join('; ')}`,
      );
      return;
    }
    const heartbeatSeconds = task?.heartbeatSeconds ?? this.activity.heartbeatSeconds;
    ctx.heartbeater.hold(this.token, ((heartbeatSeconds * 1000) / ctx.timeScale) * ctx.heartbeatFraction);
    await this.#ready;
    // Interrupted while it waited (the stop budget ran out): its failure is reported already.
    if (this.#interruptReport) {
      await this.#interruptReport;
      return;
    }

    const stopAt = ctx.stopDeadline();
    if (stopAt !== null) {
      // Draining: run it only if it is likely to finish within what is left of the stop budget.
      const expected = ctx.expectedDurationMs(this.activity.activityArn);
      if (expected !== null && Date.now() + expected > stopAt) {
        log.info(
          { expectedMs: Math.round(expected) },
          'task arrived while draining and will not fit: interrupted',
        );
        await this.interrupt();
        return;
      }
    }
    const deadlineAt = this.#deadline(task);
    log.debug({ deadlineAt }, 'task started');
    const outcome = await this.#execute(input, task, deadlineAt, log);
    ctx.recordDuration(this.activity.activityArn, Date.now() - this.#startedAt);
    if (this.#interruptReport) {
      await this.#interruptReport;
      return;
    }
    this.#reporting = true;
    if (outcome.kind !== 'lost' && ctx.reportAhead()) {
      this.#reportingAhead = true;
      this.#freeSlot();
    }
    switch (outcome.kind) {
      case 'lost':
        ctx.metrics.count('tasksLost');
        ctx.taskLost(this.#info, outcome.reason);
        return;
      case 'failed':
        await this.#reportFailure(outcome.error, outcome.cause);
        return;
      case 'succeeded': {
        const result = await ctx.reporter.success(this.token, outcome.output, {
          tokenHash: this.tokenHash,
          executionId: this.#info.executionId,
        });
        if (result.as.status === 'failed')
          this.#afterReport(result, result.as.error ?? ErrorNames.outputTooLarge);
        else this.#afterReport(result, null, result.as.offloadedTo);
        return;
      }
    }
  }

  #deadline(task: StepfleetTaskContext | undefined): number | null {
    const ctx = this.#ctx;
    const candidates: number[] = [];
    if (this.activity.handlerTimeoutMs !== null) candidates.push(this.activity.handlerTimeoutMs);
    if (task?.timeoutSeconds !== undefined) {
      const ms = (task.timeoutSeconds * 1000) / ctx.timeScale;
      // Leave time to report Handler.Timeout before Step Functions times the task out.
      const budget = ms > 2 * ctx.timeoutMarginMs ? ms - ctx.timeoutMarginMs : ms / 2;
      candidates.push(budget);
      // The clock started when the state was entered (queue time counts, as on AWS). Only for
      // the first attempt: a retry keeps the state's EnteredTime, but its timeout runs anew.
      const firstAttempt = (task.attempt ?? 0) === 0;
      const entered =
        task.stateEnteredTime === undefined || !firstAttempt ? Number.NaN : Date.parse(task.stateEnteredTime);
      if (entered < this.#startedAt) candidates.push(Math.max(0, budget - (this.#startedAt - entered)));
    }
    return candidates.length ? this.#startedAt + Math.min(...candidates) : null;
  }

  async #execute(
    input: unknown,
    task: StepfleetTaskContext | undefined,
    deadlineAt: number | null,
    log: Logger,
  ): Promise<
    | { kind: 'succeeded'; output: string }
    | { kind: 'failed'; error: string; cause: string }
    | { kind: 'lost'; reason: string }
  > {
    const ctx = this.#ctx;
    let abortedFor: AbortReason | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const link = ctx.channel.open(() => ctx.heartbeater.request(this.token));
    // Not piscina's abort signal: piscina runs a task that has one alone on its thread, which
    // would defeat tasksPerThread. A handler that ignores its signal past the grace gets its
    // thread terminated here instead (other tasks on that thread then fail Worker.Crashed).
    const terminate = (): void => {
      const threadId = link.threadId();
      if (threadId === null) {
        graceTimer = setTimeout(terminate, ctx.abortGraceMs); // still queued: it aborts when it starts
        return;
      }
      const thread = ctx.pool.threads.find((w) => w.threadId === threadId);
      if (thread) void thread.terminate();
    };
    this.#abortWork = (reason) => {
      if (abortedFor !== undefined) return;
      abortedFor = reason;
      link.abort(reason);
      graceTimer = setTimeout(terminate, reason === 'interrupted' ? 0 : ctx.abortGraceMs);
    };
    const deadlineTimer =
      deadlineAt === null
        ? undefined
        : setTimeout(() => this.#abortWork?.('timeout'), Math.max(0, deadlineAt - Date.now()));
    let lostReason = '';
    this.#onLost = (reason) => {
      lostReason = reason;
      this.#abortWork?.('task-lost');
    };
    try {
      const outcome = await ctx.pool.run({
        type: 'run',
        handlerUrl: this.activity.handlerUrl,
        input,
        task,
        deadlineAt,
        logBindings: this.#logBindings(task, input),
        taskId: link.taskId,
        shared: link.shared,
      });
      if (abortedFor === 'task-lost') return { kind: 'lost', reason: lostReason };
      if (abortedFor === 'timeout') return timeoutOutcome(deadlineAt, this.#startedAt);
      return outcome.type === 'succeeded'
        ? { kind: 'succeeded', output: outcome.output }
        : { kind: 'failed', error: outcome.error, cause: outcome.cause };
    } catch (error) {
      if (abortedFor === 'task-lost') return { kind: 'lost', reason: lostReason };
      if (abortedFor === 'timeout') return timeoutOutcome(deadlineAt, this.#startedAt);
      if (abortedFor === 'interrupted')
        return { kind: 'failed', error: ErrorNames.interrupted, cause: 'interrupted' };
      const e = error as { code?: string; message?: string };
      log.error({ err: error }, 'handler thread crashed');
      const what = e?.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'ran out of memory' : 'crashed or exited';
      return {
        kind: 'failed',
        error: ErrorNames.crashed,
        cause: `the handler's thread ${what}: ${e?.code ? `${e.code}: ` : ''}${e?.message ?? String(error)}`,
      };
    } finally {
      clearTimeout(deadlineTimer);
      clearTimeout(graceTimer);
      link.close();
    }
  }

  #onLost: ((reason: string) => void) | undefined;

  /** The heartbeat said the task is gone: abort its work; nothing will be reported. */
  lost(reason: string): void {
    this.#ctx.log.warn({ token: this.tokenHash, reason }, 'task lost (heartbeat refused): aborting its work');
    this.#onLost?.(reason);
  }

  async #reportFailure(error: string, cause: string): Promise<void> {
    const result = await this.#ctx.reporter.failure(this.token, error, cause);
    this.#afterReport(result, error);
  }

  #afterReport(result: ReportResult, failedAs: string | null, offloadedTo?: string): void {
    const ctx = this.#ctx;
    const durationMs = Date.now() - this.#startedAt;
    ctx.metrics.taskDuration(durationMs);
    if (result.kind === 'undelivered') {
      ctx.reportUndelivered(this.#info, result.error);
      return;
    }
    if (result.kind === 'task-gone') {
      ctx.log.info(
        { token: this.tokenHash, error: result.error },
        'task already closed when reporting (an earlier attempt took effect, or it timed out)',
      );
    }
    if (failedAs === null) ctx.taskSucceeded(this.#info, durationMs, offloadedTo);
    else ctx.taskFailed(this.#info, durationMs, failedAs);
  }

  #logBindings(task: StepfleetTaskContext | undefined, input: unknown): Record<string, unknown> {
    return {
      token: this.tokenHash,
      activity: this.activity.activityArn.split(':').pop(),
      executionId: task?.executionId,
      attempt: task?.attempt,
      mapRunId: task?.mapRunId,
      batchSize: isBatchInput(input) ? input.Items.length : undefined,
    };
  }
}

function timeoutOutcome(
  deadlineAt: number | null,
  startedAt: number,
): { kind: 'failed'; error: string; cause: string } {
  const ms = deadlineAt === null ? 0 : deadlineAt - startedAt;
  return {
    kind: 'failed',
    error: ErrorNames.timeout,
    cause: `the handler ran past its deadline of ${ms} ms and was aborted`,
  };
}
