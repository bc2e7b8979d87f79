/**
 * What the controller's integration tests share: a local backend with the controller function,
 * real SDK clients, jobs deployed as CDK would deploy them (activity, a worker service at 0,
 * the generated state machine), worker processes running the worker SDK as ECS tasks, and
 * readers of what the backend recorded (the fleet's size over time, which task held which work).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DescribeServicesCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeMapRunCommand,
  type DescribeMapRunCommandOutput,
  GetExecutionHistoryCommand,
  ListMapRunsCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { createController, runReconcileLoop } from '@stepfleet/controller';
import { defineJob, type JobSpecInput } from '@stepfleet/job';
import { deployJob } from '@stepfleet/job/test-support';
import type { LocalBackend, LocalBackendOptions } from '@stepfleet/local';
import { startBackendWithClients } from '@stepfleet/local/test-support';

/** The worker process every task runs: the worker SDK, configured from its environment. */
export const WORKER_ENTRY = join(import.meta.dirname, 'fixtures', 'worker.ts');
/** The batch handler: each item `{ ms, fail? }` sleeps `ms`. */
export const SLEEP_HANDLER = join(import.meta.dirname, 'fixtures', 'sleep-handler.ts');
/** The name the state machines invoke the controller function by. */
export const CONTROLLER_FUNCTION = 'stepfleet-controller';
/** The controller's Lambda entry point, served as a local function (imported in this process). */
export const CONTROLLER_MODULE = fileURLToPath(import.meta.resolve('@stepfleet/controller/lambda'));
const INPUT = 'controller-test-input';
const RESULTS = 'controller-test-results';
/** How fast idle workers drop their scale-in protection in the tests (the SDK default is 15 s). */
const IDLE_RELEASE_MS = 300;

/** One item of a test job: sleep `ms`, or fail. */
export interface SleepItem {
  readonly ms: number;
  readonly fail?: boolean;
}

/** A job spec for {@link Harness.deploy}: the items and the handler are the harness's own. */
export type TestJobSpec = Omit<JobSpecInput, 'items' | 'worker'> & {
  readonly worker?: Partial<JobSpecInput['worker']>;
};

/** How {@link Harness.deploy} deploys a job. */
export interface DeployOptions {
  /** Wire the controller function into the ScaleUp/ScaleDown steps. @defaultValue true */
  readonly controller?: boolean;
  /**
   * The worker process's command, which gets the batch activity's ARN in `STEPFLEET_ACTIVITY_ARN`.
   * @defaultValue the worker SDK running the sleep handler
   */
  readonly workerCommand?: readonly string[];
}

/** A deployed job. */
export interface DeployedJob {
  readonly stateMachineArn: string;
  readonly cluster: string;
  readonly service: string;
  /** The fleet as the controller's configuration names it (for `createController({ fleets })`). */
  readonly fleet: { cluster: string; service: string; stateMachineArns: string[]; maxWorkers: number };
}

/** A running backend, its clients, and the helpers bound to them. */
export interface Harness {
  readonly backend: LocalBackend;
  readonly sfn: SFNClient;
  readonly ecs: ECSClient;
  readonly s3: S3Client;
  /** Endpoint, region and credentials for another SDK client (or a child process's env). */
  readonly env: Readonly<Record<string, string>>;
  /** Deploys a job on `items` (a JSONL object of its own); `controller` wires the controller function. */
  deploy(spec: TestJobSpec, items: readonly SleepItem[], options?: DeployOptions): Promise<DeployedJob>;
  /** Starts an execution, returns its ARN. */
  start(stateMachineArn: string, input?: unknown): Promise<string>;
  /** Waits (real time) for an execution to end and returns its description. */
  finished(executionArn: string, timeoutMs?: number): Promise<DescribeExecutionCommandOutput>;
  /** Waits until the execution has entered `state`. */
  entered(executionArn: string, state: string, timeoutMs?: number): Promise<void>;
  /** The execution's Map Run (waits for it to exist). */
  mapRun(executionArn: string): Promise<DescribeMapRunCommandOutput>;
  /** The service's desired count now. */
  desiredCount(job: DeployedJob): Promise<number>;
  /** Waits until the service's desired count satisfies `check`; returns when (epoch ms). */
  waitForDesired(
    job: DeployedJob,
    check: (desired: number) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<number>;
  /** Stops the backend (and its task processes), restores the environment. */
  close(): Promise<void>;
}

/**
 * Starts the local backend with the controller function registered and the process environment
 * set as Lambda's would be (the function builds its clients from it).
 */
export async function startHarness(options: LocalBackendOptions = {}): Promise<Harness> {
  const jobs = await startBackendWithClients(
    { ...options, functions: { [CONTROLLER_FUNCTION]: CONTROLLER_MODULE, ...options.functions } },
    [INPUT, RESULTS],
  );
  const { backend, sfn, ecs, s3, env } = jobs;

  const desiredCount = async (job: DeployedJob): Promise<number> => {
    const described = await ecs.send(
      new DescribeServicesCommand({ cluster: job.cluster, services: [job.service] }),
    );
    return described.services?.[0]?.desiredCount ?? Number.NaN;
  };

  const harness: Harness = {
    backend,
    sfn,
    ecs,
    s3,
    env,

    async deploy(spec, items, { controller = true, workerCommand = ['node', WORKER_ENTRY] } = {}) {
      const job = defineJob({
        ...spec,
        items: { type: 'jsonl', key: `${spec.name}/items.jsonl` },
        worker: { ...spec.worker, handler: SLEEP_HANDLER },
      });
      await s3.send(
        new PutObjectCommand({
          Bucket: INPUT,
          Key: `${spec.name}/items.jsonl`,
          Body: items.map((item) => JSON.stringify(item)).join('\n'),
        }),
      );
      const { stateMachineArn, cluster, service } = await deployJob({ sfn, ecs }, job, {
        inputBucket: INPUT,
        resultsBucket: RESULTS,
        ...(controller ? { controllerFunction: CONTROLLER_FUNCTION } : {}),
        container: ({ activityArn }) => ({
          command: workerCommand,
          environment: {
            STEPFLEET_ACTIVITY_ARN: activityArn,
            STEPFLEET_HANDLER: SLEEP_HANDLER,
            STEPFLEET_THREADS: String(job.worker.threads),
            STEPFLEET_PROTECTION_IDLE_RELEASE_MS: String(IDLE_RELEASE_MS),
            STEPFLEET_LOG_LEVEL: 'error',
            STEPFLEET_METRICS: 'off',
            STEPFLEET_TIME_SCALE: String(backend.clock.timeScale),
          },
        }),
      });
      return {
        stateMachineArn,
        cluster,
        service,
        fleet: { cluster, service, stateMachineArns: [stateMachineArn], maxWorkers: job.fleet.maxWorkers },
      };
    },

    async start(stateMachineArn, input = {}) {
      const started = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
      );
      return started.executionArn!;
    },

    async finished(executionArn, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (execution.status !== 'RUNNING') return execution;
        assert.ok(Date.now() < deadline, `${executionArn} ends within ${timeoutMs} ms`);
        await sleep(50);
      }
    },

    async entered(executionArn, state, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
        if (history.events?.some((e) => e.stateEnteredEventDetails?.name === state)) return;
        assert.ok(Date.now() < deadline, `the execution enters ${state} within ${timeoutMs} ms`);
        await sleep(50);
      }
    },

    async mapRun(executionArn) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const listed = await sfn.send(new ListMapRunsCommand({ executionArn }));
        const mapRunArn = listed.mapRuns?.[0]?.mapRunArn;
        if (mapRunArn) return sfn.send(new DescribeMapRunCommand({ mapRunArn }));
        assert.ok(Date.now() < deadline, `${executionArn} starts a Map Run within 20 s`);
        await sleep(50);
      }
    },

    desiredCount,

    async waitForDesired(job, check, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (check(await desiredCount(job))) return Date.now();
        assert.ok(Date.now() < deadline, `within ${timeoutMs} ms: ${what}`);
        await sleep(25);
      }
    },

    close: () => jobs.close(),
  };
  return harness;
}

/** One change of a service's counts, as the backend recorded it. */
export interface FleetSample {
  readonly atMs: number;
  readonly desired: number;
  readonly running: number;
}

/** The service's desired/running counts over time, from the backend's ECS observations. */
export function fleetTimeline(backend: LocalBackend, service: string): FleetSample[] {
  return backend.ecs.observations
    .samples({ service })
    .map((s) => ({ atMs: s.atMs, desired: s.desiredCount, running: s.runningCount }));
}

/** The largest desired count in a timeline between two instants. */
export function peakDesired(
  timeline: readonly FleetSample[],
  fromMs = 0,
  toMs = Number.POSITIVE_INFINITY,
): number {
  return Math.max(0, ...timeline.filter((s) => s.atMs >= fromMs && s.atMs <= toMs).map((s) => s.desired));
}

/** A stop of a task that held an activity task at that moment: what task protection must prevent. */
export interface WorkLostToScaleIn {
  readonly taskId: string;
  readonly stopRequestedAtMs: number;
  readonly protectedWhenStopRequested: boolean | undefined;
  readonly activityTaskId: number;
}

/**
 * The stops of the service's tasks that came while the task's process held an activity task
 * (joined by pid: the worker SDK names itself `ecs-<task>-<pid>/<poller>`), and every stop
 * request made while the task was protected. Both lists are empty when scale-in only ever
 * took idle workers.
 */
export function stopsOfBusyTasks(
  backend: LocalBackend,
  service: string,
): { stoppedHoldingWork: WorkLostToScaleIn[]; stoppedWhileProtected: string[]; stopped: number } {
  const tasks = backend.ecs.observations.tasks({ service });
  const work = backend.activities.stats().tasks;
  const stoppedHoldingWork: WorkLostToScaleIn[] = [];
  const stoppedWhileProtected: string[] = [];
  let stopped = 0;
  for (const task of tasks) {
    const at = task.stopRequestedAtMs;
    if (at === undefined || task.pid === undefined) continue;
    stopped++;
    if (task.protectedWhenStopRequested) stoppedWhileProtected.push(task.taskId);
    const pidSuffix = new RegExp(`-${task.pid}/\\d+$`);
    for (const record of work) {
      if (!record.workerName || !pidSuffix.test(record.workerName) || record.startedAt === null) continue;
      if (record.startedAt <= at && (record.closedAt === null || record.closedAt > at)) {
        stoppedHoldingWork.push({
          taskId: task.taskId,
          stopRequestedAtMs: at,
          protectedWhenStopRequested: task.protectedWhenStopRequested,
          activityTaskId: record.taskId,
        });
      }
    }
  }
  return { stoppedHoldingWork, stoppedWhileProtected, stopped };
}

/** `n` items of `ms` each. */
export function sleepItems(n: number, ms: number): SleepItem[] {
  return Array.from({ length: n }, () => ({ ms }));
}

/**
 * A job of one-item batches on one-thread workers (tasks time out at 60 s, heartbeat 20 s), the
 * shape most controller tests deploy; `extra` adds to it or overrides it.
 */
export function oneItemBatches(
  name: string,
  fleet: { readonly maxWorkers: number; readonly stopTimeoutSeconds: number },
  extra: Partial<TestJobSpec> = {},
): TestJobSpec {
  return {
    name,
    batching: { maxItems: 1 },
    activity: { timeoutSeconds: 60, heartbeatSeconds: 20 },
    worker: { threads: 1, stopTimeoutSeconds: fleet.stopTimeoutSeconds },
    fleet: { maxWorkers: fleet.maxWorkers },
    ...extra,
  };
}

/** A running reconcile loop; `stop()` ends it and resolves once its last pass is done. */
export interface ReconcileRun {
  stop(): Promise<void>;
}

/**
 * The deployment's scheduled reconcile: a controller over `fleets` (300 ms scale-in window)
 * whose loop passes every `intervalMs`.
 */
export function startReconcile(
  harness: Harness,
  fleets: DeployedJob['fleet'][],
  intervalMs: number,
): ReconcileRun {
  const controller = createController({ sfn: harness.sfn, ecs: harness.ecs, fleets, scaleInCooldownMs: 300 });
  const abort = new AbortController();
  const done = runReconcileLoop(controller, { intervalMs, signal: abort.signal });
  return {
    stop() {
      abort.abort();
      return done;
    },
  };
}

/**
 * Waits until every task of the service has stopped, then asserts that scale-in only ever took
 * idle workers: no task was stopped while it held a batch or while it was protected.
 */
export async function assertOnlyIdleWorkersStopped(harness: Harness, service: string): Promise<void> {
  const { observations } = harness.backend.ecs;
  await observations.waitFor(
    () => observations.tasks({ service }).every((t) => t.stoppedAtMs),
    15_000,
    'every worker stopped',
  );
  const stops = stopsOfBusyTasks(harness.backend, service);
  assert.deepEqual(stops.stoppedHoldingWork, []);
  assert.deepEqual(stops.stoppedWhileProtected, []);
}
