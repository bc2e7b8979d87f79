/**
 * Every option of a worker, defined once: {@link WorkerOptions} (TSDoc and default per field),
 * {@link workerDefaults}, and {@link resolveWorkerOptions} which turns options into the
 * complete {@link ResolvedWorkerOptions}. Durations carry their unit in their name.
 */
import { availableParallelism, hostname } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Logger } from 'pino';

/** One activity served by the worker, with its handler. */
export interface ActivityOptions {
  /** The activity to poll (`arn:aws:states:<region>:<account>:activity:<name>`). */
  readonly activityArn: string;
  /** The handler module: a `file:` URL or a path (relative paths resolve against the cwd). */
  readonly handler: string | URL;
  /**
   * Most polls open at once for this activity. A poll is only issued while a slot is free, so
   * at most `min(pollers, free slots)` are open. Across a fleet, keep the sum ≤ 1,000 per ARN.
   * With several activities, give each enough slots: a slot held by one activity's open poll
   * waits for that poll to return (up to 60 s) before another activity can use it.
   * @defaultValue the worker's slots divided by the number of activities (at least 1)
   */
  readonly pollers?: number;
  /**
   * HeartbeatSeconds assumed when a task's input carries no `stepfleet.heartbeatSeconds`.
   * @defaultValue {@link WorkerOptions.heartbeatSeconds}
   */
  readonly heartbeatSeconds?: number;
  /**
   * Deadline of each handler call in ms; the lower of this and the one derived from the
   * task's `stepfleet.timeoutSeconds` applies.
   * @defaultValue {@link WorkerOptions.handlerTimeoutMs}
   */
  readonly handlerTimeoutMs?: number | null;
}

/** Options of {@link createWorker}. Everything but the activity has a default. */
export interface WorkerOptions {
  /** Shorthand for one activity: its ARN (use `activities` for several). */
  readonly activityArn?: string;
  /** Shorthand for one activity: its handler module. */
  readonly handler?: string | URL;
  /** The activities this process serves, each with its handler. */
  readonly activities?: readonly ActivityOptions[];
  /**
   * Handler threads (piscina pool size).
   * @defaultValue `os.availableParallelism()` (the container's CPUs)
   */
  readonly threads?: number;
  /**
   * Tasks run at once per thread: raise it for I/O-bound handlers. Slots = threads × this.
   * @defaultValue 1
   */
  readonly tasksPerThread?: number;
  /**
   * V8 limits of each handler thread; a thread over them fails its task with `Worker.Crashed`.
   * @defaultValue Node's defaults
   */
  readonly resourceLimits?: ResourceLimits;
  /**
   * Name recorded in each `ActivityStarted` event (suffixed with the poller index).
   * @defaultValue the ECS task id when on ECS, else `<hostname>-<pid>`
   */
  readonly workerName?: string;
  /** AWS region of the Step Functions and S3 clients. @defaultValue the SDK's (AWS_REGION) */
  readonly region?: string;
  /** Endpoint of Step Functions and S3 (the local backend). @defaultValue the SDK's (AWS_ENDPOINT_URL) */
  readonly endpoint?: string;
  /**
   * Your own Step Functions client: every Step Functions call of the worker then goes through it
   * and its middleware (its request timeout must be ≥ 65 s, for polls). Implies `sfnTransport: 'sdk'`.
   * @defaultValue one made here
   */
  readonly sfnClient?: SFNClient;
  /**
   * How the four activity calls (GetActivityTask, SendTaskSuccess/Failure/Heartbeat) are sent.
   * `direct`: signed by the SDK's SigV4 signer with the SDK's credentials, region and endpoint
   * resolution, over a keep-alive undici pool, without the SDK's per-call middleware (about half
   * the CPU per call). `sdk`: through an `SFNClient`.
   * @defaultValue 'direct' ('sdk' when `sfnClient` is given)
   */
  readonly sfnTransport?: 'direct' | 'sdk';
  /** Your own S3 client for output offload. @defaultValue one made here */
  readonly s3Client?: S3Client;
  /**
   * Socket timeout of GetActivityTask. The service holds a poll up to 60 s, so below 65 s the
   * client could drop a poll the service answers with a task (AWS-FACTS.md). Minimum 65,000.
   * @defaultValue 70000
   */
  readonly pollRequestTimeoutMs?: number;
  /** Socket timeout of SendTask* calls. @defaultValue 10000 */
  readonly reportRequestTimeoutMs?: number;
  /** First delay of the jittered exponential backoff after a failed poll. @defaultValue 200 */
  readonly pollBackoffInitialMs?: number;
  /** Longest backoff delay between failed polls. @defaultValue 30000 */
  readonly pollBackoffMaxMs?: number;
  /**
   * With several activities sharing the slots: how long an activity may wait for a slot while
   * another one keeps it busy (a slot stays with the activity whose polls return tasks) before
   * it gets the next slot that frees. Bounds its pickup latency; README "Several activities".
   * @defaultValue 120000
   */
  readonly activityMaxWaitMs?: number;
  /** Attempts of SendTaskSuccess/Failure on throttling, 5xx and network errors. @defaultValue 8 */
  readonly reportMaxAttempts?: number;
  /** First retry delay of SendTask*. @defaultValue 100 */
  readonly reportBackoffInitialMs?: number;
  /** Longest retry delay of SendTask*. @defaultValue 5000 */
  readonly reportBackoffMaxMs?: number;
  /**
   * HeartbeatSeconds assumed for tasks whose input does not say (conservative: heartbeats
   * come every ~half of it).
   * @defaultValue 20
   */
  readonly heartbeatSeconds?: number;
  /** Heartbeat interval as a fraction of HeartbeatSeconds (jittered 0–20 % earlier). @defaultValue 0.4 */
  readonly heartbeatFraction?: number;
  /**
   * Most heartbeats per second from this process; the rest wait, earliest deadline first.
   * Set it to the account's SendTaskHeartbeat refill (300/s, 500/s in the largest regions)
   * divided by the fleet's size, so a large fleet stays under the quota. The default covers 16
   * slots at HeartbeatSeconds 5 and keeps a 50-worker fleet at the 500/s refill.
   * @defaultValue 10
   */
  readonly heartbeatMaxPerSecond?: number;
  /** Handler deadline in ms for every task (null: from the input's timeoutSeconds only). @defaultValue null */
  readonly handlerTimeoutMs?: number | null;
  /** Reserved before the input's TimeoutSeconds to report `Handler.Timeout` in time. @defaultValue 2000 */
  readonly timeoutMarginMs?: number;
  /** After aborting a handler's signal, how long it may take to settle before its thread is terminated. @defaultValue 1000 */
  readonly abortGraceMs?: number;
  /**
   * The ECS container `stopTimeout`: SIGKILL follows SIGTERM after it (Fargate: ≤ 120). Divided
   * by `timeScale`, as the local backend's ECS counts it.
   * @defaultValue 30 (STEPFLEET_STOP_TIMEOUT_SECONDS)
   */
  readonly stopTimeoutSeconds?: number;
  /**
   * Kept out of the stop budget to report interruptions and exit before SIGKILL.
   * @defaultValue 10 % of `stopTimeoutSeconds` (divided by `timeScale`), at most 3000
   */
  readonly stopMarginMs?: number;
  /** Install SIGTERM/SIGINT handlers in `run()` (a second signal forces the stop). @defaultValue true */
  readonly handleSignals?: boolean;
  /** Bucket for outputs over 262,144 bytes; without one they fail with `Output.TooLarge`. @defaultValue null */
  readonly outputBucket?: string | null;
  /** Key prefix of offloaded outputs. @defaultValue 'stepfleet-output/' */
  readonly outputPrefix?: string;
  /** Default bucket of the handler's S3 helpers. @defaultValue null */
  readonly dataBucket?: string | null;
  /** Path-style S3 URLs (needed by the local backend). @defaultValue true when `endpoint` is set */
  readonly s3ForcePathStyle?: boolean;
  /** The ECS agent URI for task scale-in protection; null turns protection off. @defaultValue `ECS_AGENT_URI` */
  readonly ecsAgentUri?: string | null;
  /** ExpiresInMinutes of each protection (1–2,880); refreshed before expiry. @defaultValue 60 */
  readonly protectionExpiresInMinutes?: number;
  /** Idle time (no task held) after which protection is released. @defaultValue 15000 */
  readonly protectionIdleReleaseMs?: number;
  /** Port of the HTTP health endpoint (`GET /health`); null for none, 0 for any. @defaultValue null */
  readonly healthPort?: number | null;
  /** File the health status is written to every second (for `stepfleet worker --health`). @defaultValue null */
  readonly healthFile?: string | null;
  /** Event-loop delay above which the worker reports unhealthy. @defaultValue 5000 */
  readonly eventLoopStallMs?: number;
  /** Emit CloudWatch EMF metric lines on stdout. @defaultValue true */
  readonly emfMetrics?: boolean;
  /** EMF namespace. @defaultValue 'stepfleet/worker' */
  readonly metricsNamespace?: string;
  /** Interval of EMF lines. @defaultValue 60000 */
  readonly metricsIntervalMs?: number;
  /** Your pino logger. @defaultValue pino on stdout at `logLevel` */
  readonly logger?: Logger;
  /** Level of the default logger and of handler logs. @defaultValue 'info' */
  readonly logLevel?: string;
  /**
   * How many times faster than real time the backend runs (the local backend's `timeScale`):
   * the seconds in task inputs (heartbeat, timeout), the stop timeout and the life of task
   * protection are divided by it. 1 on AWS.
   * @defaultValue 1
   */
  readonly timeScale?: number;
}

/** Concurrent GetActivityTask polls Step Functions accepts per activity ARN (AWS-FACTS.md). */
export const MAX_POLLERS_PER_ARN = 1_000;

/** Defaults of every option that has a fixed default. */
export const workerDefaults = {
  tasksPerThread: 1,
  pollRequestTimeoutMs: 70_000,
  reportRequestTimeoutMs: 10_000,
  pollBackoffInitialMs: 200,
  pollBackoffMaxMs: 30_000,
  activityMaxWaitMs: 120_000,
  reportMaxAttempts: 8,
  reportBackoffInitialMs: 100,
  reportBackoffMaxMs: 5_000,
  heartbeatSeconds: 20,
  heartbeatFraction: 0.4,
  heartbeatMaxPerSecond: 10,
  handlerTimeoutMs: null,
  timeoutMarginMs: 2_000,
  abortGraceMs: 1_000,
  stopTimeoutSeconds: 30,
  handleSignals: true,
  outputBucket: null,
  outputPrefix: 'stepfleet-output/',
  dataBucket: null,
  protectionExpiresInMinutes: 60,
  protectionIdleReleaseMs: 15_000,
  healthPort: null,
  healthFile: null,
  eventLoopStallMs: 5_000,
  emfMetrics: true,
  metricsNamespace: 'stepfleet/worker',
  metricsIntervalMs: 60_000,
  logLevel: 'info',
  timeScale: 1,
} as const;

/** An activity with every field resolved. */
export interface ResolvedActivity {
  readonly activityArn: string;
  readonly handlerUrl: string;
  readonly pollers: number;
  readonly heartbeatSeconds: number;
  readonly handlerTimeoutMs: number | null;
}

/** Options with every default applied. */
export interface ResolvedWorkerOptions
  extends Required<
    Omit<
      WorkerOptions,
      | 'activityArn'
      | 'handler'
      | 'activities'
      | 'sfnClient'
      | 'sfnTransport'
      | 's3Client'
      | 'logger'
      | 'region'
      | 'endpoint'
      | 'resourceLimits'
      | 'ecsAgentUri'
    >
  > {
  readonly activities: readonly ResolvedActivity[];
  readonly slots: number;
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly ecsAgentUri: string | null;
  readonly sfnClient: SFNClient | undefined;
  readonly sfnTransport: 'direct' | 'sdk';
  readonly s3Client: S3Client | undefined;
  readonly logger: Logger | undefined;
}

/** Fills in every default and checks every value; a bad value throws a RangeError naming it. */
export function resolveWorkerOptions(
  options: WorkerOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedWorkerOptions {
  const threads = options.threads ?? availableParallelism();
  const tasksPerThread = options.tasksPerThread ?? workerDefaults.tasksPerThread;
  positiveInt('threads', threads);
  positiveInt('tasksPerThread', tasksPerThread);
  const slots = threads * tasksPerThread;
  const heartbeatSeconds = options.heartbeatSeconds ?? workerDefaults.heartbeatSeconds;
  const handlerTimeoutMs = options.handlerTimeoutMs ?? workerDefaults.handlerTimeoutMs;
  const list: ActivityOptions[] = [...(options.activities ?? [])];
  if (options.activityArn !== undefined || options.handler !== undefined) {
    if (options.activityArn === undefined || options.handler === undefined) {
      throw new RangeError('activityArn and handler go together (or use activities: [...])');
    }
    list.unshift({ activityArn: options.activityArn, handler: options.handler });
  }
  if (list.length === 0)
    throw new RangeError('no activity to serve: set activityArn + handler, or activities');
  const seen = new Set<string>();
  const activities = list.map((a, i): ResolvedActivity => {
    if (typeof a.activityArn !== 'string' || !a.activityArn.startsWith('arn:')) {
      throw new RangeError(
        `activities[${i}].activityArn must be an activity ARN, got ${JSON.stringify(a.activityArn)}`,
      );
    }
    if (seen.has(a.activityArn)) throw new RangeError(`activity ${a.activityArn} is listed twice`);
    seen.add(a.activityArn);
    // Several activities share the slots: by default each polls with its share of them, so
    // one activity's open polls cannot hold every slot while another's tasks wait.
    const pollers = a.pollers ?? Math.max(1, Math.floor(slots / list.length));
    positiveInt(`activities[${i}].pollers`, pollers);
    // Step Functions allows 1,000 open polls per activity ARN across the whole fleet.
    if (pollers > MAX_POLLERS_PER_ARN) {
      throw new RangeError(
        `activities[${i}].pollers must be <= ${MAX_POLLERS_PER_ARN} (the per-ARN limit), got ${pollers}`,
      );
    }
    const hb = a.heartbeatSeconds ?? heartbeatSeconds;
    positive(`activities[${i}].heartbeatSeconds`, hb);
    return {
      activityArn: a.activityArn,
      handlerUrl: toHandlerUrl(a.handler),
      pollers,
      heartbeatSeconds: hb,
      handlerTimeoutMs: a.handlerTimeoutMs === undefined ? handlerTimeoutMs : a.handlerTimeoutMs,
    };
  });
  const resolved: ResolvedWorkerOptions = {
    ...workerDefaults,
    ...definedOnly(options),
    activities,
    threads,
    tasksPerThread,
    slots,
    heartbeatSeconds,
    handlerTimeoutMs,
    workerName: options.workerName ?? defaultWorkerName(env),
    stopMarginMs:
      options.stopMarginMs ??
      Math.min(
        3_000,
        ((options.stopTimeoutSeconds ?? workerDefaults.stopTimeoutSeconds) * 100) /
          (options.timeScale ?? workerDefaults.timeScale),
      ),
    region: options.region,
    endpoint: options.endpoint,
    resourceLimits: options.resourceLimits,
    ecsAgentUri: options.ecsAgentUri === undefined ? (env.ECS_AGENT_URI ?? null) : options.ecsAgentUri,
    s3ForcePathStyle:
      options.s3ForcePathStyle ?? (options.endpoint !== undefined || env.AWS_ENDPOINT_URL !== undefined),
    sfnClient: options.sfnClient,
    sfnTransport: options.sfnClient ? 'sdk' : (options.sfnTransport ?? 'direct'),
    s3Client: options.s3Client,
    logger: options.logger,
  };
  if (resolved.pollRequestTimeoutMs < 65_000) {
    throw new RangeError(
      `pollRequestTimeoutMs must be >= 65000 (the service holds a poll up to 60 s), got ${resolved.pollRequestTimeoutMs}`,
    );
  }
  const s = resolved.stopTimeoutSeconds;
  if (!(s > 0 && s <= 120))
    throw new RangeError(`stopTimeoutSeconds must be in (0, 120] (Fargate's maximum), got ${s}`);
  const m = resolved.protectionExpiresInMinutes;
  if (!(Number.isInteger(m) && m >= 1 && m <= 2880)) {
    throw new RangeError(`protectionExpiresInMinutes must be an integer in [1, 2880], got ${m}`);
  }
  if (!(resolved.heartbeatFraction > 0 && resolved.heartbeatFraction < 1)) {
    throw new RangeError(`heartbeatFraction must be in (0, 1), got ${resolved.heartbeatFraction}`);
  }
  positive('heartbeatMaxPerSecond', resolved.heartbeatMaxPerSecond);
  positive('timeScale', resolved.timeScale);
  positiveInt('reportMaxAttempts', resolved.reportMaxAttempts);
  positive('activityMaxWaitMs', resolved.activityMaxWaitMs);
  return resolved;
}

function toHandlerUrl(handler: string | URL): string {
  if (handler instanceof URL) return handler.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(handler) && !/^[a-z]:[\\/]/i.test(handler)) return handler;
  return new URL(handler, `file://${process.cwd()}/`).href;
}

function defaultWorkerName(env: NodeJS.ProcessEnv): string {
  // On ECS the metadata URI ends with the task id and container: a short, unique, searchable name.
  const meta = env.ECS_CONTAINER_METADATA_URI_V4;
  const taskId = meta?.split('/').pop()?.split('-')[0];
  return taskId ? `ecs-${taskId}-${process.pid}` : `${hostname()}-${process.pid}`;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function positiveInt(name: string, v: number): void {
  if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`${name} must be an integer >= 1, got ${v}`);
}

function positive(name: string, v: number): void {
  if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) {
    throw new RangeError(`${name} must be a positive number, got ${v}`);
  }
}
