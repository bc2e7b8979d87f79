/**
 * Test support (not part of the published API; imported as `stepfleet/test-support`): a local
 * backend with a stepfleet worker in this process serving activities with a job's handler
 * modules, the set-up the examples' pipeline tests share.
 */
import { CreateActivityCommand } from '@aws-sdk/client-sfn';
import { type BackendWithClients, startBackendWithClients } from '@stepfleet/local/test-support';
import { createWorker, type Worker } from '@stepfleet/worker';

/** One activity the worker serves. */
export interface ServedActivity {
  readonly name: string;
  /** The handler module. */
  readonly handler: URL;
  /** Long polls kept open for it. @defaultValue the worker's default */
  readonly pollers?: number;
}

/** What {@link startWorkerBackend} sets up. */
export interface WorkerBackendOptions {
  readonly buckets: readonly string[];
  readonly activities: readonly ServedActivity[];
  readonly threads: number;
  readonly tasksPerThread: number;
  /** @defaultValue 'silent' */
  readonly logLevel?: string;
}

/** A backend and a worker serving its activities; `close()` stops the worker, then the backend. */
export interface WorkerBackend extends BackendWithClients {
  readonly worker: Worker;
  /** The ARNs of `activities`, in their order. */
  readonly activityArns: readonly string[];
}

/**
 * Starts a backend with `buckets` (its environment set, which the worker's threads build their
 * S3 clients from), creates the activities and runs a worker serving them.
 */
export async function startWorkerBackend(options: WorkerBackendOptions): Promise<WorkerBackend> {
  const base = await startBackendWithClients({}, options.buckets);
  const activityArns: string[] = [];
  for (const { name } of options.activities)
    activityArns.push((await base.sfn.send(new CreateActivityCommand({ name }))).activityArn!);
  const worker = createWorker({
    activities: options.activities.map((a, i) => ({
      activityArn: activityArns[i]!,
      handler: a.handler,
      ...(a.pollers === undefined ? {} : { pollers: a.pollers }),
    })),
    threads: options.threads,
    tasksPerThread: options.tasksPerThread,
    endpoint: base.backend.url,
    region: base.env.AWS_REGION,
    handleSignals: false,
    logLevel: options.logLevel ?? 'silent',
    emfMetrics: false,
  });
  const running = worker.run();
  return {
    ...base,
    worker,
    activityArns,
    async close() {
      await worker.shutdown();
      await running;
      await base.close();
    },
  };
}
