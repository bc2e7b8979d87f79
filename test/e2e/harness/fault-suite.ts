/**
 * The fault suite's shared harness: one local backend per test file (scenarios use distinct
 * job names, so each has its own activities, service and state machine), whole jobs run through
 * the CLI's own `runLocalJob` with real worker processes, and what every scenario must check
 * afterwards: the fleet back at 0, no process left, and the figures printed.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { JobSpec, JsonObject } from '@stepfleet/job';
import type { FaultRule, LocalBackend } from '@stepfleet/local';
import {
  type JobPlan,
  type LocalDeployment,
  type LocalRunContext,
  type LocalRunOutcome,
  runLocalJob,
  startRunBackend,
} from 'stepfleet';
import { whyNotSucceeded } from './explain-execution.ts';
import { backendStateNow, executionStateNow } from './stuck-run.ts';

/** Simulated time runs this many times faster: a 10 s heartbeat timeout is 1 s of real time. */
export const TIME_SCALE = 10;
/**
 * HeartbeatSeconds of the suite's jobs (simulated): a lost task comes back in 1.5 s. (1 s is
 * too tight on a loaded 2-core machine: healthy workers then miss beats.)
 */
export const HEARTBEAT_SECONDS = 15;

/** A scenario that takes longer has hung: fail it rather than the whole suite's time. */
export const SCENARIO_TIMEOUT_MS = 120_000;

/** The backend of one test file, and every worker pid it ever started. */
export interface FaultSuite {
  readonly backend: LocalBackend;
  /** An S3 client for the backend (results, data). */
  readonly s3: S3Client;
  /** The item sources whose data a scenario of this file has written already. */
  readonly prepared: Set<string>;
  /** Closes the backend, then checks that no worker process it started is still alive. */
  close(): Promise<void>;
}

/** Starts the file's backend (one per process: `startRunBackend` points the environment at it). */
export async function startFaultSuite(): Promise<FaultSuite> {
  // STEPFLEET_FAULT_SUITE_KEEP=<dir>: the backend's data (worker logs under ecs/logs) is kept
  // in a new folder under <dir> for a post-mortem, instead of being removed with the backend.
  const keep = process.env.STEPFLEET_FAULT_SUITE_KEEP;
  const dataDir = keep ? await mkdtemp(join(keep, 'suite-')) : undefined;
  const backend = await startRunBackend({
    port: 0,
    timeScale: TIME_SCALE,
    activityPollSeconds: 20,
    ...(dataDir ? { dataDir } : {}),
  });
  if (dataDir) process.stderr.write(`# fault suite: backend data kept in ${dataDir}\n`);
  const s3 = new S3Client({
    endpoint: backend.url,
    region: backend.region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    backend,
    s3,
    prepared: new Set(),
    async close() {
      s3.destroy();
      const pids = backend.ecs.observations.tasks().flatMap((task) => (task.pid ? [task.pid] : []));
      await backend.close();
      assertNoProcessLeft(pids, 'worker');
    },
  };
}

/** What a scenario changes in a job's spec to make it quick and to provoke its fault. */
export interface SpecTuning {
  /** The job's name (unique per scenario on a shared backend). */
  readonly name: string;
  /** @defaultValue {@link HEARTBEAT_SECONDS} */
  readonly heartbeatSeconds?: number;
  /** The state machine's TimeoutSeconds (simulated). */
  readonly timeoutSeconds?: number;
  readonly toleratedFailure?: { readonly percentage?: number; readonly count?: number };
  /** The most attempts of a batch. */
  readonly maxAttempts?: number;
  /** Errors retried besides the job's own. */
  readonly alsoRetry?: readonly string[];
  /** Fields set on the job's BatchInput (e.g. an example's fault test mode). */
  readonly batchInput?: JsonObject;
  /** Extra worker environment (e.g. `STEPFLEET_HANDLER_TIMEOUT_MS`). */
  readonly workerEnvironment?: Readonly<Record<string, string>>;
}

/** The spec with a scenario's tuning: short heartbeats, a name of its own. */
export function tuneSpec(spec: JobSpec, tuning: SpecTuning): JobSpec {
  const heartbeatSeconds = tuning.heartbeatSeconds ?? HEARTBEAT_SECONDS;
  return {
    ...spec,
    name: tuning.name,
    // Each scenario's results under its own prefix (the default one follows the job's name).
    results: {
      ...spec.results,
      prefix: spec.results.prefix === `results/${spec.name}` ? `results/${tuning.name}` : spec.results.prefix,
    },
    activity: {
      ...spec.activity,
      heartbeatSeconds: Math.min(heartbeatSeconds, spec.activity.timeoutSeconds),
    },
    ...(tuning.batchInput
      ? { batching: { ...spec.batching, batchInput: { ...spec.batching.batchInput, ...tuning.batchInput } } }
      : {}),
    retry: {
      ...spec.retry,
      // Simulated seconds: 1 s is 0.1 s here; the retry still waits, as on AWS.
      ...(tuning.maxAttempts === undefined ? {} : { maxAttempts: tuning.maxAttempts }),
      errors: [...new Set([...spec.retry.errors, ...(tuning.alsoRetry ?? [])])],
    },
    ...(spec.aggregate
      ? { aggregate: { ...spec.aggregate, heartbeatSeconds: Math.max(heartbeatSeconds, 30) } }
      : {}),
    ...(tuning.toleratedFailure
      ? {
          toleratedFailure: {
            percentage: tuning.toleratedFailure.percentage ?? spec.toleratedFailure.percentage,
            count: tuning.toleratedFailure.count ?? spec.toleratedFailure.count,
          },
        }
      : {}),
    worker: {
      ...spec.worker,
      // The worker keeps scale-in protection this long after its last task, in real time (it
      // does not follow timeScale): 15 s by default would hold every scenario's fleet up.
      environment: {
        ...spec.worker.environment,
        STEPFLEET_PROTECTION_IDLE_RELEASE_MS: '1000',
        ...tuning.workerEnvironment,
      },
    },
    ...(tuning.timeoutSeconds === undefined ? {} : { timeoutSeconds: tuning.timeoutSeconds }),
  };
}

/** Options of {@link runScenario}. */
export interface ScenarioOptions {
  readonly plan: JobPlan;
  readonly tuning: SpecTuning;
  /** Injects the scenario's faults once the execution has started; may run until the end. */
  readonly onStarted?: (context: LocalRunContext) => void | Promise<void>;
  /**
   * Backend fault rules active from the execution's start until it has ended (so the CLI's
   * own StartExecution and final reads are not the ones refused).
   */
  readonly faults?: readonly FaultRule[];
  /** Seconds between the in-process controller's reconcile passes. @defaultValue 1 */
  readonly reconcileSeconds?: number;
  /**
   * The test's `t.signal`: when the test ends or times out, the run is abandoned (no watch, no
   * reconcile loop left running against a closed backend to keep the file's process alive).
   */
  readonly signal?: AbortSignal;
}

/** A finished execution of a scenario's job. */
export interface ExecutionRun {
  /** The job's name (its state machine's). */
  readonly job: string;
  readonly status: string;
  /** The execution's parsed output when it succeeded. */
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly deployment: LocalDeployment;
  readonly executionArn: string;
  /** The Map Run's ResultWriter manifest (bucket and key), when the Map Run wrote one. */
  readonly manifest?: { readonly Bucket: string; readonly Key: string };
  readonly figures: RunFigures;
  /** The CLI's progress lines, for a failure message. */
  readonly log: string;
}

/** A finished scenario: the run through the CLI, what it cost, and what was injected. */
export interface ScenarioRun extends ExecutionRun {
  readonly outcome: LocalRunOutcome;
  /**
   * The activity tasks that failed or timed out while the scenario ran, counted by error name
   * (`Worker.Crashed`, `States.HeartbeatTimeout`...): what a fault really did.
   */
  readonly taskErrors: Readonly<Record<string, number>>;
}

/** What a scenario prints. */
export interface RunFigures {
  items: number;
  batches: number;
  /** Batches (child executions) of the Map Run that succeeded. */
  batchesSucceeded: number;
  /** Activity tasks scheduled beyond one per batch (plus the aggregate): retries and redeliveries. */
  retries: number;
  tasksFailed: number;
  tasksTimedOut: number;
  throttled: number;
  dropped: number;
  workersStarted: number;
  seconds: number;
  [extra: string]: number;
}

/** Runs one whole job on the suite's backend through `runLocalJob`; never throws for a failed run. */
export async function runScenario(suite: FaultSuite, options: ScenarioOptions): Promise<ScenarioRun> {
  const { backend } = suite;
  const before = counters(backend);
  const firstTaskId = lastTaskId(backend) + 1;
  const lines: string[] = [];
  const out = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  let context: LocalRunContext | undefined;
  let injector: Promise<void> | undefined;
  // Scenarios of a file share their data: only the first one of each item source writes it.
  const source = JSON.stringify(options.plan.spec.items);
  const skipPrepare = suite.prepared.has(source);
  suite.prepared.add(source);
  const started = performance.now();
  // A scenario that hung says what it was doing when its test timed out.
  const onAbandoned = () => {
    if (!context) return;
    process.stderr.write(
      `# fault suite · ${options.tuning.name} abandoned:\n${executionStateNow(backend, context)}\n${backendStateNow(backend, context)}\n`,
    );
  };
  options.signal?.addEventListener('abort', onAbandoned, { once: true });
  const outcome = await runLocalJob({
    // No report: the scenario reads the stored result itself, and nothing is written to disk.
    plan: { ...options.plan, spec: tuneSpec(options.plan.spec, options.tuning), report: undefined },
    backend,
    out,
    tty: false,
    refreshMs: 250,
    reconcileSeconds: options.reconcileSeconds ?? 1,
    skipPrepare,
    stopOnExit: true,
    ...(options.signal ? { signal: options.signal } : {}),
    onStarted: (ctx) => {
      context = ctx;
      // The faults run beside the progress view, not before it. An injector that fails stops
      // the execution, so the run ends at once and the failure is reported after it.
      injector = injectFaults(backend, ctx, options).catch(async (error: unknown) => {
        await ctx.clients.sfn
          .send(
            new StopExecutionCommand({ executionArn: ctx.executionArn, error: 'FaultSuite.InjectorFailed' }),
          )
          .catch(() => {});
        throw error;
      });
      // Observed here too: it may reject long before the run ends and is awaited.
      injector.catch(() => {});
    },
  }).finally(() => options.signal?.removeEventListener('abort', onAbandoned));
  const seconds = (performance.now() - started) / 1000;
  await injector;
  assert.ok(context, 'the execution started');
  const described = await context.clients.sfn.send(
    new DescribeExecutionCommand({ executionArn: outcome.executionArn }),
  );
  const mapRun = await describeMapRun(context, outcome.executionArn);
  const after = counters(backend);
  const batches = mapRun?.executionCounts?.total ?? 0;
  const tasks = after.scheduled - before.scheduled;
  const manifest = resultWriterDetails(outcome.output);
  return {
    outcome,
    taskErrors: taskErrorsSince(backend, firstTaskId),
    job: options.tuning.name,
    status: outcome.status,
    ...(outcome.output === undefined ? {} : { output: outcome.output }),
    ...(described.error ? { error: described.error } : {}),
    ...(described.cause ? { cause: described.cause } : {}),
    deployment: context.deployment,
    executionArn: outcome.executionArn,
    ...(manifest ? { manifest } : {}),
    figures: {
      items: 0,
      batches,
      batchesSucceeded: mapRun?.executionCounts?.succeeded ?? 0,
      retries: Math.max(
        0,
        tasks - batches - (options.plan.spec.aggregate && outcome.status === 'SUCCEEDED' ? 1 : 0),
      ),
      tasksFailed: after.failed - before.failed,
      tasksTimedOut: after.timedOut - before.timedOut,
      throttled: after.throttled - before.throttled,
      dropped: after.dropped - before.dropped,
      workersStarted: backend.ecs.observations.tasks({ service: context.deployment.service }).length,
      seconds: Math.round(seconds * 10) / 10,
    },
    // A run that did not succeed says why (errors of the execution and of its failed batches).
    log: lines.join('') + (await whyNotSucceeded(backend, outcome)),
  };
}

/** The ResultWriter manifest an execution's output names, when it names one. */
export function resultWriterDetails(output: unknown): { Bucket: string; Key: string } | undefined {
  return (output as { mapRun?: { ResultWriterDetails?: { Bucket: string; Key: string } } } | undefined)
    ?.mapRun?.ResultWriterDetails;
}

async function injectFaults(
  backend: LocalBackend,
  context: LocalRunContext,
  options: ScenarioOptions,
): Promise<void> {
  const rules = options.faults;
  if (rules) for (const rule of rules) backend.faults.add(rule);
  try {
    await options.onStarted?.(context);
    if (rules) await untilEnded(backend, context.executionArn);
  } finally {
    if (rules) backend.faults.clear();
  }
}

/**
 * The execution's status, read from the backend's engine in this process: not through the API,
 * whose calls a scenario's faults throttle or slow down. (Through a client retrying throttled
 * calls, one read could take seconds of SDK backoff: a short run then ended before a fault
 * aimed at it was injected, as a SIGKILL scenario once ended with no kill.)
 */
export async function executionStatus(
  backend: LocalBackend,
  executionArn: string,
): Promise<string | undefined> {
  const describe = backend.engine.operations.DescribeExecution!;
  const described = (await describe(
    { executionArn },
    {
      region: backend.region,
      accountId: backend.accountId,
      requestId: 'fault-suite',
      clientGone: new AbortController().signal,
    },
  )) as { status?: string };
  return described.status;
}

/** Waits for the execution's end. */
async function untilEnded(backend: LocalBackend, executionArn: string): Promise<void> {
  while ((await executionStatus(backend, executionArn)) === 'RUNNING') await sleep(50);
}

/** The execution's (first) Map Run, described; undefined before it has one. */
export async function describeMapRun(context: LocalRunContext, executionArn: string) {
  const { mapRuns } = await context.clients.sfn.send(new ListMapRunsCommand({ executionArn }));
  const arn = mapRuns?.[0]?.mapRunArn;
  return arn ? context.clients.sfn.send(new DescribeMapRunCommand({ mapRunArn: arn })) : undefined;
}

function lastTaskId(backend: LocalBackend): number {
  return backend.activities.stats().tasks.at(-1)?.taskId ?? 0;
}

/** Failed and timed-out activity tasks from `firstTaskId` on, by error name. */
function taskErrorsSince(backend: LocalBackend, firstTaskId: number): Record<string, number> {
  const errors: Record<string, number> = {};
  for (const task of backend.activities.stats().tasks) {
    if (task.taskId < firstTaskId || task.error === null) continue;
    errors[task.error] = (errors[task.error] ?? 0) + 1;
  }
  return errors;
}

function counters(backend: LocalBackend) {
  const { counts } = backend.activities.stats();
  const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);
  return {
    scheduled: counts.scheduled,
    failed: counts.failed,
    timedOut: counts.timedOut + counts.heartbeatTimedOut,
    throttled: sum(backend.faults.counts.throttled),
    dropped: sum(backend.faults.counts.dropped),
  };
}

/**
 * Waits until the scenario's service is at 0 desired and 0 running and every task it started
 * has exited, running the controller's reconcile (as its schedule does on AWS) when a run
 * ended without its ScaleDown step (stopped, timed out). Then checks their pids are gone.
 */
export async function assertFleetEndsAtZero(
  suite: FaultSuite,
  run: ExecutionRun,
  timeoutMs = 20_000,
): Promise<void> {
  const { backend } = suite;
  const { cluster, service } = run.deployment;
  const client = new ECSClient({
    endpoint: backend.url,
    region: backend.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const lambda = (await import('@stepfleet/controller/lambda')) as {
    default: (event: unknown) => Promise<unknown>;
  };
  const reconciledOnly = run.status === 'ABORTED' || run.status === 'TIMED_OUT';
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const described = await client.send(new DescribeServicesCommand({ cluster, services: [service] }));
      const current = described.services?.[0];
      const tasks = backend.ecs.observations.tasks({ service });
      const allExited = tasks.every((task) => task.stoppedAtMs !== undefined || task.pid === undefined);
      if (current?.desiredCount === 0 && current.runningCount === 0 && allExited) break;
      assert.ok(
        Date.now() < deadline,
        `the fleet of ${service} ends at 0 within ${timeoutMs} ms (desired ${current?.desiredCount}, running ${current?.runningCount}, tasks not exited ${tasks.filter((t) => t.stoppedAtMs === undefined).length})`,
      );
      // A run that ended through its ScaleDown step (succeeded, or failed through the Catch)
      // must leave the fleet at 0 by itself; only a stopped or timed-out run, which skips it,
      // is left to the controller's scheduled reconcile (as on AWS).
      if (reconciledOnly && current?.desiredCount !== 0)
        await lambda.default({ action: 'reconcile' }).catch(() => {});
      await sleep(200);
    }
  } finally {
    client.destroy();
  }
  const pids = backend.ecs.observations.tasks({ service }).flatMap((task) => (task.pid ? [task.pid] : []));
  assertNoProcessLeft(pids, `worker of ${service}`);
}

/** Fails naming every pid of `pids` that is still a live process. */
export function assertNoProcessLeft(pids: readonly number[], what: string): void {
  const alive = pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  });
  assert.deepEqual(alive, [], `no ${what} process left running`);
}

/**
 * Prints a scenario's figures as one line (test output and `t.diagnostic`), with the failed
 * tasks' errors when given.
 */
export function printFigures(
  t: { diagnostic(message: string): void },
  scenario: string,
  figures: RunFigures,
  taskErrors?: Readonly<Record<string, number>>,
): void {
  const errors = Object.entries(taskErrors ?? {}).map(([name, count]) => `${name}:${count}`);
  const text = [
    ...Object.entries(figures).map(([key, value]) => `${key}=${value}`),
    ...(errors.length ? [`taskErrors=${errors.join(',')}`] : []),
  ].join(' ');
  t.diagnostic(`${scenario}: ${text}`);
  console.log(`# fault suite · ${scenario}: ${text}`);
}
