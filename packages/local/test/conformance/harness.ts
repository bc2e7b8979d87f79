/**
 * The conformance harness: an engine wired to a real activity store and a real on-disk S3
 * store, driven through its API operations (the same handlers the HTTP backend serves).
 * `run` creates a state machine from a definition, starts it and waits for it to close.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActivityStore } from '../../src/activities/activity-store.ts';
import { createClock } from '../../src/clock.ts';
import { createEngine, type LocalEngine } from '../../src/engine/index.ts';
import { openS3Store } from '../../src/s3/store.ts';
import type { S3Store } from '../../src/s3/types.ts';
import type { RequestContext } from '../../src/service.ts';

/** How an execution ended. */
export interface RunResult {
  readonly executionArn: string;
  readonly status: string;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

/** A started harness; `close()` in `after`. */
export interface EngineHarness {
  readonly engine: LocalEngine;
  readonly s3: S3Store;
  readonly activities: ActivityStore;
  readonly ctx: RequestContext;
  /** Calls an operation by name. */
  call<T = Record<string, unknown>>(operation: string, input: Record<string, unknown>): Promise<T>;
  /** Creates a state machine (unique name) and returns its ARN. */
  create(definition: unknown, type?: 'STANDARD' | 'EXPRESS'): Promise<string>;
  /** Starts an execution and returns its ARN. */
  start(stateMachineArn: string, input?: unknown): Promise<string>;
  /** Waits until the execution has closed and returns how. */
  wait(executionArn: string, timeoutMs?: number): Promise<RunResult>;
  /** create + start + wait. */
  run(definition: unknown, input?: unknown): Promise<RunResult>;
  close(): Promise<void>;
}

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/stepfleet-test`;

const fn = (name: string): string => join(import.meta.dirname, 'functions', `${name}.ts`);

/** Local functions the conformance cases invoke through `lambda:invoke`. */
export const FUNCTIONS = { flaky: fn('flaky'), echo: fn('echo') };

/** Starts an engine with a real activity store and S3 store (timeScale speeds waits up). */
export async function startEngineHarness(timeScale = 100): Promise<EngineHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'stepfleet-engine-'));
  const clock = createClock(timeScale);
  const activities = new ActivityStore({
    clock,
    pollSeconds: 60,
    keepPollsOfClosedConnections: true,
    recentTaskLimit: 100,
  });
  const s3 = openS3Store(join(dir, 's3'), clock);
  const engine = createEngine({ clock, accountId: ACCOUNT, activities, s3, functions: FUNCTIONS });
  const ctx: RequestContext = {
    region: REGION,
    accountId: ACCOUNT,
    requestId: 'test',
    clientGone: new AbortController().signal,
  };
  const call = async <T>(operation: string, input: Record<string, unknown>): Promise<T> => {
    const op = engine.operations[operation];
    if (!op) throw new Error(`no operation ${operation}`);
    return (await op(input, ctx)) as T;
  };
  const create = async (definition: unknown, type: 'STANDARD' | 'EXPRESS' = 'STANDARD'): Promise<string> => {
    const out = await call<{ stateMachineArn: string }>('CreateStateMachine', {
      name: `sm-${randomUUID().slice(0, 8)}`,
      definition: typeof definition === 'string' ? definition : JSON.stringify(definition),
      roleArn: ROLE,
      type,
    });
    return out.stateMachineArn;
  };
  const start = async (stateMachineArn: string, input: unknown = {}): Promise<string> =>
    (
      await call<{ executionArn: string }>('StartExecution', {
        stateMachineArn,
        input: JSON.stringify(input),
      })
    ).executionArn;
  const wait = async (executionArn: string, timeoutMs = 20_000): Promise<RunResult> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = await call<{ status: string; output?: string; error?: string; cause?: string }>(
        'DescribeExecution',
        { executionArn },
      );
      if (d.status !== 'RUNNING') {
        return {
          executionArn,
          status: d.status,
          output: d.output === undefined ? undefined : JSON.parse(d.output),
          error: d.error,
          cause: d.cause,
        };
      }
      if (Date.now() > deadline)
        throw new Error(`execution still running after ${timeoutMs} ms: ${executionArn}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return {
    engine,
    s3,
    activities,
    ctx,
    call,
    create,
    start,
    wait,
    run: async (definition, input) => wait(await start(await create(definition), input)),
    async close() {
      await engine.close();
      await activities.close();
      await s3.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
