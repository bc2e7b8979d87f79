/**
 * The worker: serves one or more activities with a pool of handler threads. It owns the
 * lifecycle, the slots, the pollers, the heartbeater, the reporter, task protection, metrics
 * and health, and wires them together; each of those lives in its own file.
 */
import { EventEmitter } from 'node:events';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { createRequire } from 'node:module';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Logger } from 'pino';
import { Piscina } from 'piscina';
import { type ActivityApi, directActivityApi, sdkActivityApi } from './activity-api.ts';
import { awsErrorName, isTaskGone, isThrottle } from './aws-errors.ts';
import { sleep } from './backoff.ts';
import type { TaskEventInfo, WorkerEvents } from './events.ts';
import { checkHealth, HealthReporter, type HealthStatus } from './health.ts';
import { Heartbeater } from './heartbeat.ts';
import { Lifecycle, type WorkerState } from './lifecycle.ts';
import { createLogger } from './logger.ts';
import type { RunTask, TaskOutcome, ThreadSettings } from './messages.ts';
import { type MetricsSnapshot, WorkerMetrics } from './metrics.ts';
import {
  type ResolvedActivity,
  type ResolvedWorkerOptions,
  resolveWorkerOptions,
  type WorkerOptions,
} from './options.ts';
import { createOutputOffload } from './output-offload.ts';
import { Poller } from './poller.ts';
import { Reporter } from './reporter.ts';
import { handleStopSignals, stopDeadline } from './shutdown.ts';
import { Slots } from './slots.ts';
import { TaskChannel } from './task-channel.ts';
import { TaskProtection } from './task-protection.ts';
import { RunningTask, type TaskRunnerContext } from './task-runner.ts';

/** This package's version, for the user agent (`../package.json` from both src/ and dist/). */
const WORKER_VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

const threadFile = new URL(import.meta.url.endsWith('.ts') ? './thread.ts' : './thread.js', import.meta.url);

/** Pieces that exist only while the worker runs. */
interface Running {
  readonly pollApi: ActivityApi;
  readonly reportApi: ActivityApi;
  readonly pool: Piscina<RunTask, TaskOutcome>;
  readonly channel: TaskChannel;
  readonly heartbeater: Heartbeater;
  readonly protection: TaskProtection | null;
  readonly health: HealthReporter;
  readonly pollersDone: Promise<unknown>;
  readonly uninstallSignals: () => void;
  readonly s3: S3Client | undefined;
}

/**
 * A Step Functions activity worker. Make one with {@link createWorker}; `run()` serves until
 * SIGTERM / SIGINT or `shutdown()`.
 */
export class Worker extends EventEmitter<WorkerEvents> {
  /** The resolved options (every default filled in). */
  readonly options: ResolvedWorkerOptions;
  readonly log: Logger;
  readonly #lifecycle: Lifecycle;
  readonly #metrics: WorkerMetrics;
  readonly #slots: Slots;
  readonly #stopping = new AbortController();
  readonly #forced = new AbortController();
  readonly #tasks = new Map<string, RunningTask>();
  readonly #pollers: Poller[] = [];
  readonly #durations = new Map<string, number>();
  /** Reports under way whose slot was freed before they were sent (at most one per slot). */
  #reportsAhead = 0;
  #running: Running | undefined;
  #stopDeadline: number | null = null;
  #shutdown: Promise<void> | undefined;
  #healthPort: number | null = null;
  #markStopped: () => void = () => {};
  readonly #stopped = new Promise<void>((resolve) => {
    this.#markStopped = resolve;
  });

  constructor(options: WorkerOptions) {
    super();
    this.options = resolveWorkerOptions(options);
    this.log = this.options.logger ?? createLogger(this.options.logLevel, this.options.workerName);
    this.#lifecycle = new Lifecycle(this.log, (from, to) => {
      if (to === 'STOPPED' || to === 'FAILED') this.#markStopped();
      this.emit('state', { from, to });
    });
    this.#metrics = new WorkerMetrics(this.options.slots);
    this.#slots = new Slots(this.options.slots, {
      onChange: (busy) => this.#metrics.slotsBusy(busy),
      maxWaitMs: this.options.activityMaxWaitMs,
    });
    this.#slots.setWeights(new Map(this.options.activities.map((a) => [a.activityArn, a.pollers])));
  }

  /** The lifecycle state. */
  get state(): WorkerState {
    return this.#lifecycle.state;
  }

  /** The port of the health endpoint once running (when `healthPort` is set). */
  get healthPort(): number | null {
    return this.#healthPort;
  }

  /** The metrics now (counters since start, gauges now). */
  metrics(): MetricsSnapshot {
    return this.#metrics.snapshot();
  }

  /** The health status now. */
  health(): HealthStatus {
    return checkHealth({
      state: () => this.state,
      pollers: () => this.#pollers,
      slotsBusy: () => this.#slots.busy,
      slotsFree: () => this.#slots.free,
      eventLoopLagMaxMs: () => this.#metrics.recentEventLoopLagMaxMs(),
      eventLoopStallMs: this.options.eventLoopStallMs,
      pollStuckMs: this.options.pollRequestTimeoutMs + 30_000,
    });
  }

  /**
   * Serves the activities until the worker is stopped (signal or {@link shutdown}); resolves
   * once stopped, with every task reported or interrupted. Rejects only if startup fails.
   */
  async run(): Promise<void> {
    this.#lifecycle.set('RUNNING');
    try {
      this.#running = await this.#start();
    } catch (error) {
      this.log.error({ err: error }, 'worker failed to start');
      this.#lifecycle.set('FAILED');
      throw error;
    }
    await this.#stopped;
  }

  /**
   * Stops gracefully: no new polls; open polls return; in-flight tasks get the stop budget
   * (`stopTimeoutSeconds` minus `stopMarginMs`); what is left is failed `Worker.Interrupted`.
   * Idempotent: every call returns the same promise. Never rejects.
   */
  shutdown(reason = 'shutdown()'): Promise<void> {
    this.#shutdown ??= this.#stop(reason).catch((error: unknown) => {
      this.log.error({ err: error }, 'shutdown failed');
      if (this.state !== 'STOPPED' && this.state !== 'FAILED') this.#lifecycle.set('FAILED');
    });
    return this.#shutdown;
  }

  /** Forces the stop: in-flight tasks are interrupted now instead of at the budget's end. */
  force(reason = 'force()'): void {
    this.log.warn({ reason }, 'forced stop');
    this.#forced.abort();
    void this.shutdown(reason);
  }

  /**
   * The clients of the activity calls: polls and reports apart, so a report never waits behind
   * a held poll for a connection, and each has its own timeout.
   */
  #activityApis(): { pollApi: ActivityApi; reportApi: ActivityApi } {
    const o = this.options;
    if (o.sfnClient) {
      const api = sdkActivityApi(o.sfnClient, { destroyClient: false });
      return { pollApi: api, reportApi: api };
    }
    const pollConnections = o.activities.reduce((n, a) => n + a.pollers, 0) + 2;
    // A report and a heartbeat per slot may be under way at once.
    const reportConnections = o.slots * 2 + 4;
    const sdkClient = (requestTimeoutMs: number, connections: number): SFNClient => {
      const agent = { keepAlive: true, maxSockets: connections };
      return new SFNClient({
        region: o.region,
        endpoint: o.endpoint,
        maxAttempts: 1,
        // The SDK resolves a command's middleware stack (clone, sort) on every send otherwise.
        cacheMiddleware: true,
        requestHandler: {
          // requestTimeout only warns unless throwOnRequestTimeout; socketTimeout cuts a dead socket.
          requestTimeout: requestTimeoutMs,
          throwOnRequestTimeout: true,
          socketTimeout: requestTimeoutMs,
          connectionTimeout: 5_000,
          httpAgent: new HttpAgent(agent),
          httpsAgent: new HttpsAgent(agent),
        },
      });
    };
    if (o.sfnTransport === 'sdk') {
      return {
        pollApi: sdkActivityApi(sdkClient(o.pollRequestTimeoutMs, pollConnections), { destroyClient: true }),
        reportApi: sdkActivityApi(sdkClient(o.reportRequestTimeoutMs, reportConnections), {
          destroyClient: true,
        }),
      };
    }
    // The SDK client only lends its resolved configuration (credential chain, region, endpoint).
    const configFrom = new SFNClient({ region: o.region, endpoint: o.endpoint });
    const userAgent = `stepfleet-worker/${WORKER_VERSION} node/${process.versions.node}`;
    return {
      pollApi: directActivityApi({
        configFrom,
        connections: pollConnections,
        requestTimeoutMs: o.pollRequestTimeoutMs,
        userAgent,
      }),
      reportApi: directActivityApi({
        configFrom,
        connections: reportConnections,
        requestTimeoutMs: o.reportRequestTimeoutMs,
        userAgent,
      }),
    };
  }

  async #start(): Promise<Running> {
    const o = this.options;
    const { pollApi, reportApi } = this.#activityApis();
    let s3: S3Client | undefined = o.s3Client;
    const getS3 = (): S3Client =>
      (s3 ??= new S3Client({ region: o.region, endpoint: o.endpoint, forcePathStyle: o.s3ForcePathStyle }));
    const channel = new TaskChannel();
    const settings: ThreadSettings = {
      logLevel: o.logLevel,
      workerName: o.workerName,
      channel: channel.name,
      dataBucket: o.dataBucket,
      s3: { region: o.region, endpoint: o.endpoint, forcePathStyle: o.s3ForcePathStyle },
    };
    const pool = new Piscina<RunTask, TaskOutcome>({
      filename: threadFile.href,
      minThreads: o.threads,
      maxThreads: o.threads,
      concurrentTasksPerWorker: o.tasksPerThread,
      idleTimeout: Number.POSITIVE_INFINITY,
      // 'sync' blocks an idle thread in Atomics.wait, which stalls async handlers sharing it.
      atomics: 'disabled',
      resourceLimits: o.resourceLimits,
      workerData: settings,
    });
    // Crashed threads are replaced by piscina; an 'error' event must never crash the process.
    pool.on('error', (error: unknown) => this.log.error({ err: error }, 'thread pool error'));

    const heartbeater = new Heartbeater(
      {
        send: async (token, timeoutMs) => {
          await reportApi.sendTaskHeartbeat(token, AbortSignal.timeout(Math.max(1_000, timeoutMs)));
        },
        isTaskGone,
        onTaskLost: (token, error) => this.#taskByToken(token)?.lost(awsErrorName(error)),
        onError: (_token, error) => {
          this.#metrics.count('heartbeatErrors');
          if (isThrottle(error)) this.#metrics.count('throttles');
        },
        onSent: (lagMs) => this.#metrics.heartbeatLag(lagMs),
      },
      { maxPerSecond: o.heartbeatMaxPerSecond },
    );
    const offload = o.outputBucket ? createOutputOffload(getS3, o.outputBucket, o.outputPrefix) : null;
    const reporter = new Reporter({
      sfn: reportApi,
      maxAttempts: o.reportMaxAttempts,
      backoffInitialMs: o.reportBackoffInitialMs,
      backoffMaxMs: o.reportBackoffMaxMs,
      offload,
      onRetry: (error, attempt) => {
        if (isThrottle(error)) this.#metrics.count('throttles');
        this.log.debug({ error: awsErrorName(error), attempt }, 'report retried');
      },
    });
    const protection = o.ecsAgentUri
      ? new TaskProtection({
          agentUri: o.ecsAgentUri,
          expiresInMinutes: o.protectionExpiresInMinutes,
          timeScale: o.timeScale,
          idleReleaseMs: o.protectionIdleReleaseMs,
          log: this.log,
          onRefused: (reason) => {
            this.log.warn({ reason }, 'task protection refused: no more work is taken; stopping');
            void this.shutdown('task protection refused');
          },
          onChange: (enabled) => this.emit('protection', { enabled }),
        })
      : null;

    const taskContext = this.#taskContext(pool, channel, heartbeater, reporter);
    const pollerRuns: Promise<void>[] = [];
    for (const activity of o.activities) {
      for (let i = 0; i < activity.pollers; i++) {
        const poller = this.#poller(pollApi, activity, i, taskContext, protection);
        this.#pollers.push(poller);
        pollerRuns.push(
          poller.run().catch((error: unknown) => this.log.error({ err: error }, 'poller failed')),
        );
      }
    }
    const health = new HealthReporter();
    this.#healthPort = await health.start(() => this.health(), o.healthPort, o.healthFile);
    if (o.emfMetrics) {
      this.#metrics.start({
        namespace: o.metricsNamespace,
        intervalMs: o.metricsIntervalMs,
        dimensions: { Service: 'stepfleet-worker' },
      });
    }
    const uninstallSignals = o.handleSignals ? handleStopSignals(this, this.log) : () => {};
    this.log.info(
      {
        activities: o.activities.map((a) => a.activityArn),
        threads: o.threads,
        slots: o.slots,
        healthPort: this.#healthPort,
      },
      'worker running',
    );
    return {
      pollApi,
      reportApi,
      pool,
      channel,
      heartbeater,
      protection,
      health,
      pollersDone: Promise.all(pollerRuns),
      uninstallSignals,
      get s3() {
        return s3;
      },
    };
  }

  #poller(
    sfn: ActivityApi,
    activity: ResolvedActivity,
    index: number,
    taskContext: TaskRunnerContext,
    protection: TaskProtection | null,
  ): Poller {
    return new Poller({
      sfn,
      slots: this.#slots,
      activityArn: activity.activityArn,
      workerName: `${this.options.workerName}/${index}`,
      backoffInitialMs: this.options.pollBackoffInitialMs,
      backoffMaxMs: this.options.pollBackoffMaxMs,
      stopping: this.#stopping.signal,
      beforePoll: () => {
        this.#metrics.count('polls');
        return protection ? protection.beforePoll() : Promise.resolve(true);
      },
      onTask: (token, input, releaseSlot) => {
        // The handler starts once the ECS task is protected; if protection is refused, the
        // worker is draining by then and the task is run or interrupted as any task arriving
        // during a drain.
        const protectedNow = protection?.taskStarted();
        const task = new RunningTask(
          taskContext,
          activity,
          token,
          input,
          {
            freeSlot: releaseSlot,
            finished: () => {
              this.#tasks.delete(token);
              protection?.taskEnded();
            },
          },
          protectedNow,
        );
        this.#tasks.set(token, task);
        // A task that arrives once the budget is spent cannot run: interrupt it at once.
        if (this.state === 'STOPPING') void task.interrupt();
      },
      onEmptyPoll: () => this.#metrics.count('emptyPolls'),
      onPollError: (error, delayMs) => {
        this.#metrics.count('pollErrors');
        if (isThrottle(error)) this.#metrics.count('throttles');
        this.log.warn(
          { error: awsErrorName(error), message: (error as Error)?.message, delayMs },
          'poll failed; backing off',
        );
        this.emit('pollError', { activityArn: activity.activityArn, error, delayMs });
      },
    });
  }

  #taskContext(
    pool: Piscina<RunTask, TaskOutcome>,
    channel: TaskChannel,
    heartbeater: Heartbeater,
    reporter: Reporter,
  ): TaskRunnerContext {
    const o = this.options;
    return {
      pool,
      channel,
      heartbeater,
      reporter,
      metrics: this.#metrics,
      log: this.log,
      workerName: o.workerName,
      timeScale: o.timeScale,
      heartbeatFraction: o.heartbeatFraction,
      timeoutMarginMs: o.timeoutMarginMs,
      abortGraceMs: o.abortGraceMs,
      stopDeadline: () => this.#stopDeadline,
      reportAhead: () => {
        if (this.#reportsAhead >= o.slots) return false;
        this.#reportsAhead++;
        return true;
      },
      reportDone: () => {
        this.#reportsAhead--;
      },
      expectedDurationMs: (arn) => this.#durations.get(arn) ?? null,
      recordDuration: (arn, ms) => {
        const prev = this.#durations.get(arn);
        this.#durations.set(arn, prev === undefined ? ms : prev * 0.8 + ms * 0.2);
      },
      taskStarted: (info) => {
        this.#metrics.count('tasksStarted');
        this.emit('taskStarted', info);
      },
      taskSucceeded: (info, durationMs, offloadedTo) => {
        this.#metrics.count('tasksSucceeded');
        this.emit('taskSucceeded', { ...info, durationMs, ...(offloadedTo ? { offloadedTo } : {}) });
      },
      taskFailed: (info, durationMs, error) => {
        this.#metrics.failure(error);
        this.log.info(
          { token: info.tokenHash, executionId: info.executionId, error, durationMs },
          'task failed',
        );
        this.emit('taskFailed', { ...info, durationMs, error });
      },
      taskLost: (info, reason) => this.emit('taskLost', { ...info, reason }),
      reportUndelivered: (info, error) => {
        this.log.error(
          { token: info.tokenHash, error: awsErrorName(error) },
          'report undelivered after every retry',
        );
        this.emit('reportUndelivered', { ...info, error });
      },
    };
  }

  #taskByToken(token: string): RunningTask | undefined {
    return this.#tasks.get(token);
  }

  async #stop(reason: string): Promise<void> {
    if (this.state === 'INITIALIZED') {
      this.#lifecycle.set('STOPPED');
      return;
    }
    if (this.state !== 'RUNNING') return;
    const o = this.options;
    const running = this.#running;
    this.#stopDeadline = stopDeadline(Date.now(), o.stopTimeoutSeconds / o.timeScale, o.stopMarginMs);
    this.log.info({ reason, budgetMs: this.#stopDeadline - Date.now(), tasks: this.#tasks.size }, 'draining');
    this.#lifecycle.set('DRAINING');
    this.#stopping.abort();
    this.#slots.close();

    // Open polls are never aborted: wait for them and for the tasks, up to the stop budget.
    const drained = (async () => {
      await running?.pollersDone;
      while (this.#tasks.size > 0) await Promise.all([...this.#tasks.values()].map((t) => t.done));
    })();
    const drainedOrForced = AbortSignal.any([this.#forced.signal, abortOn(drained)]);
    await sleep(Math.max(0, this.#stopDeadline - Date.now()), drainedOrForced);

    this.#lifecycle.set('STOPPING');
    const left = [...this.#tasks.values()];
    if (left.length > 0) this.log.warn({ tasks: left.length }, 'stop budget spent: interrupting tasks');
    const openPolls = this.#pollers.filter((p) => p.inFlightSince !== null).length;
    if (openPolls > 0) this.log.warn({ openPolls }, 'polls still open at the stop deadline');
    const reportWindow = Math.max(500, o.stopMarginMs - 500);
    await sleep(reportWindow, abortOn(Promise.all(left.map((t) => t.interrupt()))));

    // Ordered cleanups; each failure is logged and the next one still runs.
    const cleanups: Array<[string, () => unknown]> = [
      ['signals', () => running?.uninstallSignals()],
      ['heartbeats', () => running?.heartbeater.close()],
      ['task protection', () => running?.protection?.close()],
      ['thread pool', () => running?.pool.destroy()],
      ['task channel', () => running?.channel.close()],
      ['health', () => running?.health.close()],
      [
        'metrics',
        async () => {
          if (o.emfMetrics) await this.#metrics.emit(o.metricsNamespace, { Service: 'stepfleet-worker' });
          this.#metrics.stop();
        },
      ],
      [
        'clients',
        () => {
          // Clients passed in options belong to the caller.
          running?.pollApi.destroy();
          running?.reportApi.destroy();
          if (!o.s3Client) running?.s3?.destroy();
        },
      ],
    ];
    for (const [name, cleanup] of cleanups) {
      try {
        await cleanup();
      } catch (error) {
        this.log.error({ err: error, cleanup: name }, 'cleanup failed');
      }
    }
    this.#lifecycle.set('STOPPED');
  }
}

/** A signal that fires when `promise` settles (so a sleep can end early without a dangling timer). */
function abortOn(promise: Promise<unknown>): AbortSignal {
  const controller = new AbortController();
  promise.then(
    () => controller.abort(),
    () => controller.abort(),
  );
  return controller.signal;
}

/**
 * Creates a worker.
 *
 * @example
 * ```ts
 * import { createWorker } from '@stepfleet/worker';
 * const worker = createWorker({ activityArn, handler: new URL('./handler.ts', import.meta.url) });
 * await worker.run(); // until SIGTERM / SIGINT / worker.shutdown()
 * ```
 */
export function createWorker(options: WorkerOptions): Worker {
  return new Worker(options);
}

export type { TaskEventInfo };
