/**
 * Test helpers: a local backend with an activity, real worker processes (fixture runner
 * files started with `process.execPath`, inheriting the environment so NODE_OPTIONS flows),
 * and ways to wait for them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { CreateActivityCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type LocalBackend, type LocalBackendOptions, startLocalBackend } from '@stepfleet/local';

/** Fake credentials: the local backend checks signatures' shape, not secrets. */
export const testCredentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

export function fixture(name: string): string {
  return new URL(`./fixtures/${name}`, import.meta.url).pathname;
}

/** Starts a backend and creates activities; closes it in `after`. */
export async function startBackend(
  t: { after(fn: () => Promise<void> | void): void },
  options: LocalBackendOptions = {},
  activityNames: readonly string[] = ['work'],
): Promise<{ backend: LocalBackend; sfn: SFNClient; arns: string[] }> {
  const backend = await startLocalBackend({ port: 0, ...options });
  // Many attempts: a test's injected throttling (on from the start) also hits this setup client,
  // and 3 attempts at 30 % failed CreateActivity now and then.
  const sfn = new SFNClient({
    endpoint: backend.url,
    region: 'us-east-1',
    credentials: testCredentials,
    maxAttempts: 10,
  });
  t.after(async () => {
    sfn.destroy();
    await backend.close();
  });
  const arns: string[] = [];
  for (const name of activityNames) {
    const out = await sfn.send(new CreateActivityCommand({ name }));
    arns.push(out.activityArn as string);
  }
  return { backend, sfn, arns };
}

/** A worker child process and its output so far. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Every stdout line parsed as JSON (pino and EMF lines), as they come. */
  readonly lines: Record<string, unknown>[];
  stderr: string;
  /** Resolves with the exit code (or the signal name) once the process ended and all its output was read. */
  readonly exited: Promise<number | string>;
}

/**
 * Starts `fixtures/run-worker.ts` (or other `argv` for Node) as a real process with `env` added to
 * the inherited environment. Killed in `after` if still running.
 */
export function startWorker(
  t: { after(fn: () => Promise<void> | void): void },
  backend: LocalBackend,
  env: Record<string, string>,
  argv: readonly string[] = [fixture('run-worker.ts')],
): WorkerProcess {
  const child = spawn(process.execPath, argv, {
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: backend.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
      STEPFLEET_METRICS: 'off',
      STEPFLEET_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ text: line });
      }
      nl = buffered.indexOf('\n');
    }
  });
  const proc: WorkerProcess = {
    child,
    lines,
    stderr: '',
    // 'close', not 'exit': 'exit' may come before the last lines of stdout were read.
    exited: once(child, 'close').then(([code, signal]) => (code ?? signal) as number | string),
  };
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    proc.stderr += chunk;
  });
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await proc.exited;
    }
  });
  return proc;
}

/** Waits until `predicate` holds, checking every 20 ms; throws after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A batch input in the job generator's convention. */
export function batchInput(
  items: unknown[],
  batch: Record<string, unknown> = {},
  ctx: { executionId?: string; heartbeatSeconds?: number; timeoutSeconds?: number; attempt?: number } = {},
): string {
  return JSON.stringify({
    Items: items,
    BatchInput: batch,
    stepfleet: {
      executionId: ctx.executionId ?? 'arn:aws:states:us-east-1:000000000000:execution:sm:run-1',
      attempt: 0,
      ...ctx,
    },
  });
}

/** The outcome of a task as the backend's scheduler reports it. */
export type Outcome = Awaited<ReturnType<LocalBackend['activities']['schedule']>>;

/**
 * Schedules a task and, like an ASL `Retry` on `Worker.Interrupted`, `States.Timeout` and
 * `States.HeartbeatTimeout`, schedules it again (attempt + 1) until it ends otherwise.
 * Returns every outcome in order.
 */
export async function scheduleWithRetry(
  backend: LocalBackend,
  arn: string,
  makeInput: (attempt: number) => string,
  options: { heartbeatSeconds?: number; timeoutSeconds?: number },
  maxAttempts = 6,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const outcome = await backend.activities.schedule(arn, makeInput(attempt), options);
    outcomes.push(outcome);
    const retryable =
      outcome.status === 'TIMED_OUT' ||
      (outcome.status === 'FAILED' && outcome.error === 'Worker.Interrupted');
    if (!retryable) break;
  }
  return outcomes;
}

/** The last JSON line a worker wrote when `run()` resolved (see fixtures/run-worker.ts). */
export function finalReport(
  worker: WorkerProcess,
): { state: string; metrics: Record<string, number> } | undefined {
  return worker.lines.findLast((l) => l.exit === 'run resolved') as never;
}
