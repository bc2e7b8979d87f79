import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import {
  CreateActivityCommand,
  DescribeActivityCommand,
  GetActivityTaskCommand,
  ListActivitiesCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { type FaultRule, type LocalBackend, startLocalBackend } from '@stepfleet/local';

let backend: LocalBackend;

before(async () => {
  backend = await startLocalBackend({ port: 0, timeScale: 60 });
});
after(() => backend.close());
beforeEach(() => backend.faults.clear());

/** A client retrying as the SDK's standard strategy does, with a 10 ms backoff to keep the test quick. */
function client(maxAttempts: number): SFNClient {
  return new SFNClient({
    endpoint: backend.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    retryStrategy: new ConfiguredRetryStrategy(maxAttempts, () => 10),
  });
}

async function putFaults(rules: FaultRule[]): Promise<void> {
  const res = await fetch(`${backend.url}/_stepfleet/faults`, { method: 'PUT', body: JSON.stringify(rules) });
  assert.equal(res.status, 200);
}

test('throttling at rate 1 surfaces as ThrottlingException after the SDK retried every attempt', async (t) => {
  const sfn = client(3);
  t.after(() => sfn.destroy());
  // GIVEN every ListActivities throttled (set over HTTP, as a test in another process would)
  await putFaults([{ service: 'states', operation: 'ListActivities', throttleRate: 1 }]);
  const before = backend.faults.counts.throttled['states.ListActivities'] ?? 0;
  // WHEN the SDK calls, THEN it retries as throttled and gives up with ThrottlingException
  const error = (await sfn.send(new ListActivitiesCommand({})).catch((e: unknown) => e)) as {
    name: string;
    $metadata: { attempts: number; httpStatusCode: number };
  };
  assert.equal(error.name, 'ThrottlingException');
  assert.equal(error.$metadata.httpStatusCode, 400);
  assert.equal(error.$metadata.attempts, 3);
  assert.equal((backend.faults.counts.throttled['states.ListActivities'] ?? 0) - before, 3);
  // Other operations are untouched by the rule.
  await sfn.send(new CreateActivityCommand({ name: 'not-throttled' }));
});

test('throttling at a low rate is absorbed by the SDK retries', async (t) => {
  const sfn = client(10);
  t.after(() => sfn.destroy());
  backend.faults.set([{ service: 'states', throttleRate: 0.3 }]);
  const before = Object.values(backend.faults.counts.throttled).reduce((a, b) => a + b, 0);
  for (let i = 0; i < 30; i++) await sfn.send(new ListActivitiesCommand({}));
  const throttled = Object.values(backend.faults.counts.throttled).reduce((a, b) => a + b, 0) - before;
  assert.ok(throttled > 0, 'some calls were throttled and retried');
});

test('injected server errors are 500 InternalFailure, retried by the SDK before the call takes effect', async (t) => {
  const once = client(1);
  const retrying = client(10);
  t.after(() => {
    once.destroy();
    retrying.destroy();
  });
  backend.faults.set([{ service: 'states', operation: 'CreateActivity', serverErrorRate: 1 }]);
  const error = (await once
    .send(new CreateActivityCommand({ name: 'five-hundred' }))
    .catch((e: unknown) => e)) as {
    name: string;
    $metadata: { httpStatusCode: number };
  };
  assert.equal(error.name, 'InternalFailure');
  assert.equal(error.$metadata.httpStatusCode, 500);
  const gone = await once
    .send(
      new DescribeActivityCommand({
        activityArn: 'arn:aws:states:us-east-1:000000000000:activity:five-hundred',
      }),
    )
    .catch((e: Error) => e);
  assert.equal((gone as Error).name, 'ActivityDoesNotExist', 'a refused call took no effect');
  backend.faults.set([{ service: 'states', operation: 'CreateActivity', serverErrorRate: 0.3 }]);
  const before = backend.faults.counts.serverErrors['states.CreateActivity'] ?? 0;
  for (let i = 0; i < 30; i++) await retrying.send(new CreateActivityCommand({ name: `retried-${i}` }));
  assert.ok((backend.faults.counts.serverErrors['states.CreateActivity'] ?? 0) > before, 'some were retried');
});

test('a dropped response is a network error to the SDK, yet the call took effect', async (t) => {
  const once = client(1);
  t.after(() => once.destroy());
  backend.faults.set([{ operation: 'CreateActivity', dropRate: 1 }]);
  const error = (await once
    .send(new CreateActivityCommand({ name: 'dropped' }))
    .catch((e: unknown) => e)) as Error & {
    code?: string;
    $metadata?: unknown;
  };
  assert.ok(error instanceof Error);
  assert.match(`${error.name} ${error.code} ${error.message}`, /ECONNRESET|socket hang up|closed/i);
  backend.faults.clear();
  const arn = 'arn:aws:states:us-east-1:000000000000:activity:dropped';
  const described = await once.send(new DescribeActivityCommand({ activityArn: arn }));
  assert.equal(described.name, 'dropped', 'the activity was created although the answer was lost');
});

test('a dropped SendTaskSuccess completed the task: the SDK retry answers TaskTimedOut, as on AWS', async (t) => {
  const sfn = client(3);
  t.after(() => sfn.destroy());
  const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'lost-answer' }));
  const outcome = backend.activities.schedule(activityArn!, '{}');
  const { taskToken } = await sfn.send(new GetActivityTaskCommand({ activityArn }));
  backend.faults.set([{ operation: 'SendTaskSuccess', dropRate: 1 }]);
  // WHEN the answer to SendTaskSuccess is lost, the SDK retries the network error...
  const retried = await sfn
    .send(new SendTaskSuccessCommand({ taskToken, output: '{"done":1}' }))
    .catch((e: Error) => e);
  // THEN the first attempt completed the task, and the retry learns the token is closed.
  assert.deepEqual(await outcome, { status: 'SUCCEEDED', output: '{"done":1}' });
  assert.equal((retried as Error).name, 'TaskTimedOut');
  assert.equal((retried as { $metadata: { attempts: number } }).$metadata.attempts, 2);
  assert.equal(backend.faults.counts.dropped['states.SendTaskSuccess'], 1);
});

test('added latency delays the answer by at least latencyMs', async (t) => {
  const sfn = client(1);
  t.after(() => sfn.destroy());
  await sfn.send(new ListActivitiesCommand({})); // warm the connection
  backend.faults.set([{ service: 'states', operation: 'ListActivities', latencyMs: 150, jitterMs: 50 }]);
  const started = performance.now();
  await sfn.send(new ListActivitiesCommand({}));
  const elapsedMs = performance.now() - started;
  assert.ok(elapsedMs >= 150, `answered after ${elapsedMs} ms`);
});

test('GET /_stepfleet/state reports fault counts next to the activity observations', async () => {
  backend.faults.set([{ operation: 'ListActivities', throttleRate: 1 }]);
  const sfn = client(1);
  await sfn.send(new ListActivitiesCommand({})).catch(() => undefined);
  sfn.destroy();
  const state = (await (await fetch(`${backend.url}/_stepfleet/state`)).json()) as {
    faults: { rules: FaultRule[]; counts: { throttled: Record<string, number> } };
    activities: { counts: { scheduled: number } };
  };
  assert.deepEqual(state.faults.rules, [{ operation: 'ListActivities', throttleRate: 1 }]);
  assert.ok(state.faults.counts.throttled['states.ListActivities']! >= 1);
  assert.equal(typeof state.activities.counts.scheduled, 'number');
});
