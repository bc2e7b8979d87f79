/**
 * The worker's metrics: counters and gauges readable from code ({@link WorkerMetrics.snapshot})
 * and written as CloudWatch Embedded Metric Format lines (aws-embedded-metrics) every interval.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LocalSink, MetricsLogger, Unit } from 'aws-embedded-metrics';

/** A point-in-time view of the metrics. Counters count since the worker started. */
export interface MetricsSnapshot {
  readonly slotsBusy: number;
  readonly slotsFree: number;
  readonly polls: number;
  readonly emptyPolls: number;
  readonly pollErrors: number;
  readonly throttles: number;
  readonly tasksStarted: number;
  readonly tasksSucceeded: number;
  readonly tasksFailed: number;
  /** Tasks whose token was lost (heartbeat refused): nothing reported. */
  readonly tasksLost: number;
  /** Failures by reported error name. */
  readonly failuresByName: Readonly<Record<string, number>>;
  readonly heartbeatsSent: number;
  readonly heartbeatErrors: number;
  /** Largest delay of a heartbeat against its schedule, ms. */
  readonly heartbeatLagMaxMs: number;
  /** Task durations: count, mean and max, ms. */
  readonly taskDurationMs: { readonly count: number; readonly mean: number; readonly max: number };
  /** Event-loop delay of the main thread: p99 and max over the last interval, ms. */
  readonly eventLoopLagP99Ms: number;
  readonly eventLoopLagMaxMs: number;
}

type Counter = Exclude<
  keyof MetricsSnapshot,
  | 'failuresByName'
  | 'taskDurationMs'
  | 'slotsBusy'
  | 'slotsFree'
  | 'heartbeatLagMaxMs'
  | 'eventLoopLagP99Ms'
  | 'eventLoopLagMaxMs'
>;

/** Collects the metrics; `start()` begins EMF output, `stop()` flushes and ends it. */
export class WorkerMetrics {
  readonly #counters: Record<Counter, number> = {
    polls: 0,
    emptyPolls: 0,
    pollErrors: 0,
    throttles: 0,
    tasksStarted: 0,
    tasksSucceeded: 0,
    tasksFailed: 0,
    tasksLost: 0,
    heartbeatsSent: 0,
    heartbeatErrors: 0,
  };
  readonly #failuresByName: Record<string, number> = {};
  readonly #slotsTotal: number;
  #slotsBusy = 0;
  #heartbeatLagMaxMs = 0;
  #durations = { count: 0, sum: 0, max: 0 };
  readonly #loop: ReturnType<typeof monitorEventLoopDelay>;
  /** A second histogram over short windows, for the health check (the first spans an EMF interval). */
  readonly #recentLoop: ReturnType<typeof monitorEventLoopDelay>;
  #previousWindowMaxNs = 0;
  readonly #windowTimer: NodeJS.Timeout;
  #timer: NodeJS.Timeout | undefined;
  #lastEmitted: Record<string, number> = {};

  constructor(slots: number) {
    this.#slotsTotal = slots;
    this.#loop = monitorEventLoopDelay({ resolution: 20 });
    this.#loop.enable();
    this.#recentLoop = monitorEventLoopDelay({ resolution: 20 });
    this.#recentLoop.enable();
    this.#windowTimer = setInterval(() => {
      this.#previousWindowMaxNs = this.#recentLoop.max;
      this.#recentLoop.reset();
    }, LAG_WINDOW_MS);
    this.#windowTimer.unref();
  }

  /** Adds to a counter. */
  count(name: Counter, by = 1): void {
    this.#counters[name] += by;
  }

  /** Counts a failure under its reported name. */
  failure(name: string): void {
    this.#counters.tasksFailed++;
    this.#failuresByName[name] = (this.#failuresByName[name] ?? 0) + 1;
  }

  /** Records a finished task's duration. */
  taskDuration(ms: number): void {
    this.#durations.count++;
    this.#durations.sum += ms;
    if (ms > this.#durations.max) this.#durations.max = ms;
  }

  heartbeatLag(ms: number): void {
    this.#counters.heartbeatsSent++;
    if (ms > this.#heartbeatLagMaxMs) this.#heartbeatLagMaxMs = ms;
  }

  slotsBusy(busy: number): void {
    this.#slotsBusy = busy;
  }

  /** The largest event-loop delay of the last 5–10 s, ms (what the health check judges). */
  recentEventLoopLagMaxMs(): number {
    return Math.max(this.#previousWindowMaxNs, this.#recentLoop.max) / 1e6;
  }

  snapshot(): MetricsSnapshot {
    const d = this.#durations;
    return {
      ...this.#counters,
      slotsBusy: this.#slotsBusy,
      slotsFree: this.#slotsTotal - this.#slotsBusy,
      failuresByName: { ...this.#failuresByName },
      heartbeatLagMaxMs: this.#heartbeatLagMaxMs,
      taskDurationMs: { count: d.count, mean: d.count ? d.sum / d.count : 0, max: d.max },
      eventLoopLagP99Ms: this.#loop.percentile(99) / 1e6,
      eventLoopLagMaxMs: this.#loop.max / 1e6,
    };
  }

  /** Starts writing one EMF line per interval (deltas of the counters since the last line). */
  start(options: { namespace: string; intervalMs: number; dimensions: Record<string, string> }): void {
    this.#timer = setInterval(
      () => void this.emit(options.namespace, options.dimensions),
      options.intervalMs,
    );
    this.#timer.unref();
  }

  /** Writes one EMF line now. */
  async emit(namespace: string, dimensions: Record<string, string>): Promise<void> {
    const snap = this.snapshot();
    const logger = new MetricsLogger(async () => localEnvironment);
    logger.setNamespace(namespace);
    logger.setDimensions(dimensions);
    for (const name of Object.keys(this.#counters) as Counter[]) {
      logger.putMetric(name, snap[name] - (this.#lastEmitted[name] ?? 0), Unit.Count);
      this.#lastEmitted[name] = snap[name];
    }
    logger.putMetric('slotsBusy', snap.slotsBusy, Unit.Count);
    logger.putMetric('slotsFree', snap.slotsFree, Unit.Count);
    logger.putMetric('heartbeatLagMaxMs', snap.heartbeatLagMaxMs, Unit.Milliseconds);
    logger.putMetric('eventLoopLagMaxMs', snap.eventLoopLagMaxMs, Unit.Milliseconds);
    logger.putMetric('taskDurationMeanMs', snap.taskDurationMs.mean, Unit.Milliseconds);
    for (const [name, n] of Object.entries(snap.failuresByName)) logger.setProperty(`failures.${name}`, n);
    this.#heartbeatLagMaxMs = 0;
    this.#loop.reset();
    await logger.flush();
  }

  /** Stops the EMF timer and the event-loop monitor. */
  stop(): void {
    clearInterval(this.#timer);
    clearInterval(this.#windowTimer);
    this.#loop.disable();
    this.#recentLoop.disable();
  }
}

/** Length of the windows of {@link WorkerMetrics.recentEventLoopLagMaxMs}. */
const LAG_WINDOW_MS = 5_000;

/** An EMF environment that writes to stdout, so no environment probing (HTTP) ever happens. */
const localEnvironment = {
  probe: async () => true,
  getName: () => 'stepfleet-worker',
  getType: () => 'Local',
  getLogGroupName: () => 'stepfleet-worker',
  configureContext: () => {},
  getSink: () => new LocalSink(),
};
