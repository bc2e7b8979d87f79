/**
 * Fault injection on the ECS agent endpoint (service `ecs-agent`): task protection calls can be
 * throttled, fail with a server error, be slowed or lose their response, as the agent relays
 * the ECS API's faults; rules for every service (`*`) leave the agent alone.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  GetTaskProtectionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { type LocalBackend, startLocalBackend } from '@stepfleet/local';
import { TASK_SCRIPT } from './ecs-harness.ts';

let backend: LocalBackend;
let ecs: ECSClient;
let taskArn: string;
let agentState: string;

before(async () => {
  backend = await startLocalBackend({ port: 0 });
  ecs = new ECSClient({
    endpoint: backend.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'f',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'w', image: 'x', command: ['node', TASK_SCRIPT], stopTimeout: 2 }],
    }),
  );
  await ecs.send(
    new CreateServiceCommand({ cluster: 'c', serviceName: 's', taskDefinition: 'f', desiredCount: 1 }),
  );
  const task = await backend.ecs.observations.waitFor(
    () => backend.ecs.observations.tasks({ service: 's' })[0],
    10_000,
    'the service task',
  );
  taskArn = task.taskArn;
  agentState = `${backend.url}/_ecs-agent/${task.taskId}/task-protection/v1/state`;
});
after(async () => {
  await ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 's', desiredCount: 0 })).catch(() => {});
  ecs.destroy();
  await backend.close();
});
beforeEach(() => backend.faults.clear());

function protect(enabled: boolean): Promise<Response> {
  return fetch(agentState, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(
      enabled ? { ProtectionEnabled: true, ExpiresInMinutes: 5 } : { ProtectionEnabled: false },
    ),
  });
}

async function protectedNow(): Promise<boolean | undefined> {
  const got = await ecs.send(new GetTaskProtectionCommand({ cluster: 'c', tasks: [taskArn] }));
  return got.protectedTasks?.[0]?.protectionEnabled;
}

test('a throttled UpdateTaskProtection answers 400 ThrottlingException and changes nothing', async () => {
  // GIVEN every protection change throttled
  backend.faults.set([{ service: 'ecs-agent', operation: 'UpdateTaskProtection', throttleRate: 1 }]);
  // WHEN the task asks for protection
  const res = await protect(true);
  // THEN it is refused in the agent's error shape, and the task stays unprotected
  assert.equal(res.status, 400);
  const body = (await res.json()) as { requestID?: string; error: Record<string, string> };
  assert.equal(body.error.Code, 'ThrottlingException');
  assert.equal(body.error.Arn, taskArn);
  assert.ok(body.requestID);
  assert.equal(await protectedNow(), false);
  assert.equal(backend.faults.counts.throttled['ecs-agent.UpdateTaskProtection'], 1);
  // AND reading the state (another operation) is not affected
  const read = await fetch(agentState);
  assert.equal(read.status, 200);
  assert.equal(
    ((await read.json()) as { protection: { ProtectionEnabled: boolean } }).protection.ProtectionEnabled,
    false,
  );
});

test('a server error answers 500 ServerException; a dropped response still took effect', async () => {
  backend.faults.set([{ service: 'ecs-agent', serverErrorRate: 1 }]);
  const failed = await protect(true);
  assert.equal(failed.status, 500);
  assert.equal(((await failed.json()) as { error: { Code: string } }).error.Code, 'ServerException');
  assert.equal(await protectedNow(), false);

  // WHEN the response of a protection change is dropped
  backend.faults.set([{ service: 'ecs-agent', operation: 'UpdateTaskProtection', dropRate: 1 }]);
  await assert.rejects(protect(true));
  // THEN the caller saw a network error, but the change took effect
  assert.equal(await protectedNow(), true);
  assert.equal(backend.faults.counts.dropped['ecs-agent.UpdateTaskProtection'], 1);
  backend.faults.clear();
  assert.equal((await protect(false)).status, 200);
  assert.equal(await protectedNow(), false);
});

test('latency applies to the agent; rules for every service (*) do not', async () => {
  // GIVEN every AWS call throttled and slowed, and the agent's reads slowed by 300 ms
  backend.faults.set([
    { throttleRate: 1, latencyMs: 2_000 },
    { service: 'ecs-agent', operation: 'GetTaskProtection', latencyMs: 300 },
  ]);
  // WHEN the task changes and reads its protection
  const started = Date.now();
  const res = await protect(true);
  const changedMs = Date.now() - started;
  const read = await fetch(agentState);
  const readMs = Date.now() - started - changedMs;
  // THEN the change was neither throttled nor slowed by the `*` rule, and the read took its 300 ms
  assert.equal(res.status, 200);
  assert.ok(changedMs < 1_000, `change took ${changedMs} ms`);
  assert.equal(read.status, 200);
  assert.ok(readMs >= 290, `read took ${readMs} ms`);
  backend.faults.clear();
  assert.equal(await protectedNow(), true);
  assert.equal((await protect(false)).status, 200);
});
