/**
 * What the engine's API tests share: a local backend and a real `@aws-sdk/client-sfn` pointed at
 * it, with the few steps every such test takes (create a machine, wait for an execution to close,
 * read its history or its Map Run, read an object the engine wrote, expect an AWS error).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListMapRunsCommand,
  SFNClient,
  type SFNServiceException,
} from '@aws-sdk/client-sfn';
import { type LocalBackend, type LocalBackendOptions, startLocalBackend } from '@stepfleet/local';

/** The role every test state machine runs as (the backend checks its form only). */
export const ROLE = 'arn:aws:iam::123456789012:role/stepfleet-test';

/** Region and dummy credentials for any SDK client pointed at the backend at `endpoint`. */
export function clientConfig(endpoint: string): {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
}

/** The AWS error a call fails with; fails the test when the call succeeds. */
export async function awsError(call: Promise<unknown>): Promise<SFNServiceException> {
  try {
    await call;
  } catch (error) {
    return error as SFNServiceException;
  }
  assert.fail('expected the call to fail');
}

/** A backend, a client for it, and the steps bound to them; `close()` in `after`. */
export interface SfnSession {
  readonly backend: LocalBackend;
  readonly sfn: SFNClient;
  /** Creates a state machine (a fresh name unless given) and returns its ARN. */
  machine(definition: unknown, options?: { name?: string; type?: 'STANDARD' | 'EXPRESS' }): Promise<string>;
  /** Polls DescribeExecution until the execution has closed. */
  finished(executionArn: string, timeoutMs?: number): Promise<DescribeExecutionCommandOutput>;
  /** The execution's whole history, oldest first. */
  history(executionArn: string): Promise<HistoryEvent[]>;
  /** The ARN of the execution's first Map Run (waits for it to start). */
  mapRunArnOf(executionArn: string, timeoutMs?: number): Promise<string>;
  /** An object of the backend's S3, as text. */
  readObject(bucket: string, key: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts a backend on a free port (with `options`) and a client for it (one attempt per call). */
export async function startSfnSession(options: LocalBackendOptions = {}): Promise<SfnSession> {
  const backend = await startLocalBackend({ port: 0, ...options });
  const sfn = new SFNClient({ ...clientConfig(backend.url), maxAttempts: 1 });
  let machines = 0;
  const until = async <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms`);
      await sleep(10);
    }
  };
  return {
    backend,
    sfn,
    async machine(definition, { name = `m${machines++}`, type = 'STANDARD' } = {}) {
      const out = await sfn.send(
        new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE, type }),
      );
      return out.stateMachineArn!;
    },
    finished: (executionArn, timeoutMs = 10_000) =>
      until(`${executionArn} closes`, timeoutMs, async () => {
        const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        return d.status === 'RUNNING' ? undefined : d;
      }),
    async history(executionArn) {
      return (
        (await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? []
      );
    },
    mapRunArnOf: (executionArn, timeoutMs = 10_000) =>
      until(`${executionArn} starts a Map Run`, timeoutMs, async () => {
        const { mapRuns } = await sfn.send(new ListMapRunsCommand({ executionArn }));
        return mapRuns?.[0]?.mapRunArn;
      }),
    async readObject(bucket, key) {
      const got = await backend.s3.getObject(bucket, key);
      const chunks: Buffer[] = [];
      for await (const c of got.body) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    async close() {
      sfn.destroy();
      await backend.close();
    },
  };
}
