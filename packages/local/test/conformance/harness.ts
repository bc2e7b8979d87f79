/**
 * The conformance harness: a local backend (`startLocalBackend`) driven through the real
 * `@aws-sdk/client-sfn`. `run` creates a state machine from a definition, starts it and waits
 * for it to close; `call` sends any Step Functions operation by name.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import * as sfnCommands from '@aws-sdk/client-sfn';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type LocalBackend, startLocalBackend } from '@stepfleet/local';

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
  readonly backend: LocalBackend;
  /** The backend's S3 store (objects for ItemReaders, results of ResultWriters). */
  readonly s3: LocalBackend['s3'];
  /** Sends `<operation>Command` through client-sfn and returns its output. */
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

export const ROLE = 'arn:aws:iam::123456789012:role/stepfleet-test';

const fn = (name: string): string => join(import.meta.dirname, 'functions', `${name}.ts`);

/** Local functions the conformance cases invoke through `lambda:invoke`. */
export const FUNCTIONS = { flaky: fn('flaky'), echo: fn('echo') };

type CommandClass = new (input: Record<string, unknown>) => Parameters<SFNClient['send']>[0];

/** Starts a backend (timeScale speeds waits up) and a client for it. */
export async function startEngineHarness(timeScale = 100): Promise<EngineHarness> {
  const backend = await startLocalBackend({ port: 0, timeScale, functions: FUNCTIONS });
  const client = new SFNClient({
    endpoint: backend.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  const call = async <T>(operation: string, input: Record<string, unknown>): Promise<T> => {
    const Command = (sfnCommands as unknown as Record<string, CommandClass | undefined>)[
      `${operation}Command`
    ];
    if (!Command) throw new Error(`client-sfn has no ${operation}Command`);
    return (await client.send(new Command(input))) as T;
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
    backend,
    s3: backend.s3,
    call,
    create,
    start,
    wait,
    run: async (definition, input) => wait(await start(await create(definition), input)),
    async close() {
      client.destroy();
      await backend.close();
    },
  };
}
