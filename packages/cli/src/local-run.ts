/**
 * `stepfleet run <job> --local`: the whole job on this machine. Starts the local backend (or
 * uses one), lets the job prepare its data, deploys it (`local-deploy.ts`), runs the fleet
 * controller in this process (as the backend's local Lambda function for the ScaleUp/ScaleDown
 * steps, plus its reconcile loop), starts the execution, shows the progress view to the end,
 * then the job's report. Workers are real processes (local ECS tasks); closing the backend
 * stops them, so nothing is left behind.
 */
import type { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { createController, runReconcileLoop } from '@stepfleet/controller';
import type { LocalBackend, LocalBackendOptions } from '@stepfleet/local';
import type { JobPlan } from './job-module.ts';
import { deployLocalJob, type LocalDeployment } from './local-deploy.ts';
import { ProgressDisplay } from './progress-display.ts';
import { ProgressReader } from './progress-reader.ts';
import type { ProgressSnapshot } from './progress-snapshot.ts';
import { watchRun } from './watch-run.ts';

/** The name the controller is registered under as a local Lambda function. */
export const LOCAL_CONTROLLER_FUNCTION = 'stepfleet-controller';

/** The module of the controller's Lambda handler. */
const CONTROLLER_MODULE = fileURLToPath(import.meta.resolve('@stepfleet/controller/lambda'));

/** The clients of a run, all pointed at the backend. */
export interface RunClients {
  readonly sfn: SFNClient;
  readonly ecs: ECSClient;
  readonly s3: S3Client;
}

/** What the hooks of {@link LocalRunOptions} see. */
export interface LocalRunContext {
  /** The backend, when this process runs it (not with `endpoint`). */
  readonly backend?: LocalBackend;
  readonly endpoint: string;
  readonly clients: RunClients;
  readonly deployment: LocalDeployment;
  readonly executionArn: string;
}

/** Options of {@link runLocalJob}. */
export interface LocalRunOptions {
  readonly plan: JobPlan;
  /**
   * A running backend started with {@link startRunBackend} (tests, benchmarks); it is left
   * running. @defaultValue a new backend, closed at the end
   */
  readonly backend?: LocalBackend;
  /**
   * Connect to a backend already listening there (`stepfleet local`). Its scale steps then call
   * ECS UpdateService and this process runs the controller's reconcile loop.
   */
  readonly endpoint?: string;
  /** The new backend's options (`timeScale`, `dataDir`, `port`). */
  readonly backendOptions?: LocalBackendOptions;
  /** Skip the job's data preparation (the data is there already). @defaultValue false */
  readonly skipPrepare?: boolean;
  /** Stop the execution on Ctrl-C without asking. @defaultValue false */
  readonly stopOnExit?: boolean;
  /** Directory for the report. @defaultValue 'out' */
  readonly outDir?: string;
  /** Where the view and the report go. @defaultValue process.stdout */
  readonly out?: Writable & { isTTY?: boolean; columns?: number };
  /** Redraw in place (a terminal) or print plain lines. @defaultValue out.isTTY */
  readonly tty?: boolean;
  /** Time between two reads of the progress. @defaultValue 1000 */
  readonly refreshMs?: number;
  /** Seconds between reconcile passes of the controller. @defaultValue 2 */
  readonly reconcileSeconds?: number;
  /** Called once the execution has started (tests inject faults here). */
  readonly onStarted?: (context: LocalRunContext) => void | Promise<void>;
  /** Called after the execution ended, before the backend closes. */
  readonly onFinished?: (context: LocalRunContext & { snapshot: ProgressSnapshot }) => void | Promise<void>;
  /** Called with every snapshot. */
  readonly onSnapshot?: (snapshot: ProgressSnapshot) => void;
  /**
   * Abandons the run when it aborts (a test that ended or timed out): stops watching, stops
   * the reconcile loop (no last pass), no longer waits for the hooks, closes the clients and
   * its own backend, and rejects with {@link RunAbandonedError}. The execution is left as it is.
   */
  readonly signal?: AbortSignal;
}

/** How a local run ended. */
export interface LocalRunOutcome {
  readonly status: string;
  readonly executionArn: string;
  readonly snapshot: ProgressSnapshot;
  /** The execution's parsed output when it succeeded. */
  readonly output?: unknown;
  /** Report files the job wrote. */
  readonly files: readonly string[];
  /** Milliseconds spent preparing the data. */
  readonly prepareMs: number;
}

/**
 * Starts a local backend that can run jobs: the controller is registered as its local Lambda
 * function, and this process's AWS environment points at it (the controller builds its
 * clients from the environment, as on Lambda). One such backend per process.
 */
export async function startRunBackend(options: LocalBackendOptions = {}): Promise<LocalBackend> {
  const { startLocalBackend } = await import('@stepfleet/local');
  const backend = await startLocalBackend({
    // A worker serving two activities with one slot alternates between their polls: a short
    // window keeps an empty aggregate poll from idling the slot a batch could use.
    activityPollSeconds: 1,
    ...options,
    functions: { ...options.functions, [LOCAL_CONTROLLER_FUNCTION]: CONTROLLER_MODULE },
  });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: backend.url,
    AWS_REGION: backend.region,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    // The controller logs every decision at info: keep the progress view readable.
    STEPFLEET_LOG_LEVEL: process.env.STEPFLEET_LOG_LEVEL ?? 'warn',
    // Locally a run's tail is short: shrink soon after demand falls.
    STEPFLEET_SCALE_IN_COOLDOWN_SECONDS: process.env.STEPFLEET_SCALE_IN_COOLDOWN_SECONDS ?? '5',
  });
  return backend;
}

/** Runs a job on the local backend with the progress view; resolves when it is over. */
export async function runLocalJob(options: LocalRunOptions): Promise<LocalRunOutcome> {
  const out = options.out ?? process.stdout;
  const say = (line: string) => out.write(`${line}\n`);
  const ownBackend = !options.backend && !options.endpoint;
  const backend = options.backend ?? (ownBackend ? await startRunBackend(options.backendOptions) : undefined);
  const endpoint = backend?.url ?? options.endpoint!;
  const config = {
    endpoint,
    region: backend?.region ?? process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const clients: RunClients = {
    sfn: new SFNClient(config),
    ecs: new ECSClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
  };
  // Ctrl-C outside the progress view (which handles its own): the first ends the run at the
  // next step, and the backend still closes (stopping every worker); a second exits at once,
  // and the backend's exit handler kills what is left.
  const interrupted = new AbortController();
  const onSigint = () => {
    if (interrupted.signal.aborted) process.exit(130);
    interrupted.abort();
  };
  const abandoned = options.signal ?? new AbortController().signal;
  const onAbandoned = () => interrupted.abort();
  abandoned.addEventListener('abort', onAbandoned, { once: true });
  const checkInterrupted = () => {
    if (abandoned.aborted) throw new RunAbandonedError(abandoned.reason);
    if (interrupted.signal.aborted)
      throw new RunInterruptedError('interrupted (Ctrl-C) before the run ended');
  };
  /** Waits for `work` unless the run is abandoned first (a hook's promise is not ours to end). */
  const unlessAbandoned = async <T>(work: T | Promise<T>): Promise<T> => {
    const result = await Promise.race([work, aborted(abandoned)]);
    checkInterrupted();
    return result as T;
  };
  process.on('SIGINT', onSigint);
  const stopReconcile = new AbortController();
  let reconcile: Promise<void> | undefined;
  try {
    if (backend) say(`local backend on ${backend.url} (data in ${backend.dataDir})`);
    const { plan } = options;
    const inputBucket = plan.spec.items.bucket ?? 'stepfleet-input';
    let prepareMs = 0;
    if (plan.prepare && !options.skipPrepare) {
      const started = performance.now();
      say('preparing the data…');
      const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
      await clients.s3.send(new CreateBucketCommand({ Bucket: inputBucket })).catch((error: Error) => {
        if (error.name !== 'BucketAlreadyOwnedByYou') throw error;
      });
      const summary = await plan
        .prepare({ s3: clients.s3, inputBucket, log: say, signal: interrupted.signal })
        .catch((error: unknown) => {
          checkInterrupted();
          throw error;
        });
      checkInterrupted();
      prepareMs = performance.now() - started;
      say(`${summary ?? 'data ready'} (${(prepareMs / 1000).toFixed(1)} s)`);
    }
    const deployment = await deployLocalJob({
      clients,
      spec: plan.spec,
      inputBucket,
      ...(backend ? { controllerFunction: LOCAL_CONTROLLER_FUNCTION } : {}),
      timeScale: backend?.clock.timeScale ?? options.backendOptions?.timeScale ?? 1,
    });
    checkInterrupted();
    reconcile = startReconcile(options, backend, clients, deployment, stopReconcile.signal, abandoned);
    const { executionArn } = await clients.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deployment.stateMachineArn,
        input: JSON.stringify(plan.input ?? {}),
      }),
      { abortSignal: abandoned },
    );
    say(`started ${executionArn}`);
    const context: LocalRunContext = {
      ...(backend ? { backend } : {}),
      endpoint,
      clients,
      deployment,
      executionArn: executionArn!,
    };
    await unlessAbandoned(options.onStarted?.(context));
    // The view handles Ctrl-C while it runs (ask, stop, or a second one to exit).
    process.off('SIGINT', onSigint);
    const display = new ProgressDisplay(out, options.tty === undefined ? {} : { tty: options.tty });
    const watched = await watchRun({
      sfn: clients.sfn,
      executionArn: executionArn!,
      reader: new ProgressReader(clients, executionArn!),
      display,
      // Locally the backend goes away with this process: without a terminal to ask, stop the run.
      onInterrupt: options.stopOnExit ? 'stop' : (options.tty ?? out.isTTY) ? 'ask' : 'stop',
      ...(options.refreshMs ? { refreshMs: options.refreshMs } : {}),
      ...(options.onSnapshot ? { onSnapshot: options.onSnapshot } : {}),
      signal: abandoned,
    }).catch((error: unknown) => {
      checkInterrupted();
      throw error;
    });
    checkInterrupted();
    const { snapshot } = watched;
    process.on('SIGINT', onSigint);
    if (watched.end === 'forced')
      throw new RunInterruptedError('interrupted (Ctrl-C twice) while the run went on');
    await unlessAbandoned(options.onFinished?.({ ...context, snapshot }));
    let output: unknown;
    let files: readonly string[] = [];
    if (snapshot.status === 'SUCCEEDED') {
      const { DescribeExecutionCommand } = await import('@aws-sdk/client-sfn');
      const described = await clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
      output = JSON.parse(described.output ?? 'null');
      if (plan.report) {
        say('');
        files = await plan.report({
          s3: clients.s3,
          output,
          outDir: options.outDir ?? 'out',
          print: (text) => out.write(text.endsWith('\n') ? text : `${text}\n`),
        });
        if (files.length > 0) say(`report written: ${files.join(', ')}`);
      }
    }
    return {
      status: snapshot.status,
      executionArn: executionArn!,
      snapshot,
      ...(output === undefined ? {} : { output }),
      files,
      prepareMs,
    };
  } finally {
    process.off('SIGINT', onSigint);
    abandoned.removeEventListener('abort', onAbandoned);
    stopReconcile.abort();
    await reconcile;
    clients.sfn.destroy();
    clients.ecs.destroy();
    clients.s3.destroy();
    if (ownBackend && backend) {
      say('stopping the local backend and its workers…');
      // A Ctrl-C while closing means "now": the backend's exit handler kills what is left.
      const force = () => process.exit(130);
      process.once('SIGINT', force);
      await backend.close();
      process.off('SIGINT', force);
    }
  }
}

/**
 * The controller's reconcile loop in this process: through the same Lambda handler the steps
 * invoke (one controller, one memory) when this process runs the backend; else a controller
 * of its own for the job's fleet.
 */
function startReconcile(
  options: LocalRunOptions,
  backend: LocalBackend | undefined,
  clients: RunClients,
  deployment: LocalDeployment,
  signal: AbortSignal,
  abandoned: AbortSignal,
): Promise<void> {
  const intervalMs = (options.reconcileSeconds ?? 2) * 1000;
  const onError = () => {
    // A failed pass is repeated at the next interval; the controller logs its own decisions.
  };
  if (backend) {
    return (async () => {
      const lambda = (await import(CONTROLLER_MODULE)) as { default: (event: unknown) => Promise<unknown> };
      while (!signal.aborted) {
        await lambda.default({ action: 'reconcile' }).catch(onError);
        await sleep(intervalMs, signal);
      }
      // One last pass once the run has ended: a pass that read the run while it was still open
      // may have written its size just after the ScaleDown step wrote 0.
      if (!abandoned.aborted) await lambda.default({ action: 'reconcile' }).catch(onError);
    })();
  }
  const { spec } = options.plan;
  const controller = createController({
    sfn: clients.sfn,
    ecs: clients.ecs,
    fleets: [
      {
        cluster: deployment.cluster,
        service: deployment.service,
        stateMachineArns: [deployment.stateMachineArn],
        maxWorkers: spec.fleet.maxWorkers,
        minWorkers: spec.fleet.minWorkers,
        slotsPerWorker: spec.worker.threads,
        itemsPerBatch: spec.batching.maxItems,
        tailBatches: spec.aggregate ? 1 : 0,
      },
    ],
    scaleInCooldownMs: 5000,
  });
  return runReconcileLoop(controller, { intervalMs, signal, onError }).then(() =>
    abandoned.aborted ? undefined : controller.reconcile().then(() => undefined, onError),
  );
}

/** Waits `ms`, or less when `signal` aborts. */
async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch(() => {});
}

/** Resolves when `signal` aborts (never, if it never does). */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * The run was abandoned through {@link LocalRunOptions.signal}: nothing of it runs on in this
 * process (the reconcile loop and the watch stopped, the clients and its own backend closed);
 * the execution itself was left as it was. `cause` is the signal's reason.
 */
export class RunAbandonedError extends Error {
  override readonly name = 'RunAbandonedError';
  constructor(reason: unknown) {
    super('the local run was abandoned (its signal aborted) before it ended', { cause: reason });
  }
}

/** The user interrupted a local run with Ctrl-C; the backend and its workers were closed. */
export class RunInterruptedError extends Error {
  override readonly name = 'RunInterruptedError';
}
