import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeServicesCommand,
  GetTaskProtectionCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  UpdateServiceCommand,
  UpdateTaskProtectionCommand,
} from '@aws-sdk/client-ecs';
import {
  alive,
  createService,
  scaleInStubbornTask,
  startEcs,
  TASK_SCRIPT,
  waitForLog,
  waitForRunning,
} from './ecs-harness.ts';

/** The JSON the fixture logged for its last agent call (`protection <status> <body>`). */
function lastAgentReply(log: string): { status: number; body: Record<string, Record<string, unknown>> } {
  const line = log.split('\n').findLast((l) => l.startsWith('protection '))!;
  const [, status, body] = /^protection (\d+) (.*)$/.exec(line)!;
  return { status: Number(status), body: JSON.parse(body!) };
}

test('protected tasks survive a scale-in and stop once released (agent endpoint and API)', async (t) => {
  // GIVEN three running tasks
  const h = await startEcs(t);
  const { cluster, service } = await createService(h, { desiredCount: 3 });
  const [a, b, c] = await waitForRunning(h, service, 3);
  for (const task of [a, b, c]) await waitForLog(task!.logFile, 'started');

  // WHEN task a protects itself through $ECS_AGENT_URI and task b is protected through the API
  process.kill(a!.pid!, 'SIGUSR1');
  const reply = lastAgentReply(await waitForLog(a!.logFile, 'protection '));
  assert.equal(reply.status, 200);
  assert.equal(reply.body.protection!.ProtectionEnabled, true);
  assert.equal(reply.body.protection!.TaskArn, a!.taskArn);
  const agentExpiry = Date.parse(reply.body.protection!.ExpirationDate as string);
  assert.ok(
    Math.abs(agentExpiry - (Date.now() + 60 * 60_000)) < 10_000,
    'protected for the 60 minutes asked',
  );
  const updated = await h.client.send(
    new UpdateTaskProtectionCommand({
      cluster,
      tasks: [b!.taskId],
      protectionEnabled: true,
      expiresInMinutes: 30,
    }),
  );
  assert.deepEqual(updated.failures, []);
  assert.equal(updated.protectedTasks![0]!.taskArn, b!.taskArn);
  assert.equal(updated.protectedTasks![0]!.protectionEnabled, true);
  assert.ok(
    Math.abs(updated.protectedTasks![0]!.expirationDate!.getTime() - (Date.now() + 30 * 60_000)) < 10_000,
  );
  const got = await h.client.send(
    new GetTaskProtectionCommand({ cluster, tasks: [a!.taskArn, b!.taskArn, c!.taskArn] }),
  );
  assert.deepEqual(
    got.protectedTasks!.map((p) => p.protectionEnabled),
    [true, true, false],
  );

  // AND the service scales in to 0
  await h.client.send(new UpdateServiceCommand({ cluster, service, desiredCount: 0 }));

  // THEN only the unprotected task stops; the protected ones keep running
  await h.ecs.observations.waitFor(() => c!.stoppedAtMs !== undefined);
  await sleep(300);
  assert.ok(alive(a!.pid) && alive(b!.pid));
  assert.equal(a!.stopRequestedAtMs, undefined);
  assert.equal(b!.stopRequestedAtMs, undefined);
  const described = (await h.client.send(new DescribeServicesCommand({ cluster, services: [service] })))
    .services![0]!;
  assert.equal(described.desiredCount, 0);
  assert.equal(described.runningCount, 2);
  assert.ok(
    described.events!.some(
      (e) => e.message === '(service fleet) was unable to scale in due to (reason 2 tasks under protection).',
    ),
  );

  // WHEN a releases its protection from inside
  process.kill(a!.pid!, 'SIGUSR2');

  // THEN a is stopped, b still runs
  await h.ecs.observations.waitFor(() => a!.stoppedAtMs !== undefined, 10_000, 'a to stop once released');
  // (the release's reply may never reach a's log: the stop it triggers can overtake it)
  await waitForLog(a!.logFile, 'got SIGTERM');
  assert.equal(a!.protectedWhenStopRequested, false);
  assert.ok(alive(b!.pid));

  // WHEN b is released through the API
  await h.client.send(
    new UpdateTaskProtectionCommand({ cluster, tasks: [b!.taskArn], protectionEnabled: false }),
  );

  // THEN b stops too, and no task was ever asked to stop while protected
  await h.ecs.observations.waitFor(() => b!.stoppedAtMs !== undefined, 10_000, 'b to stop once released');
  assert.ok(h.ecs.observations.tasks().every((task) => task.protectedWhenStopRequested === false));
  assert.ok(!alive(a!.pid) && !alive(b!.pid) && !alive(c!.pid));
});

test('protection expires on the backend clock and the held-back scale-in completes', async (t) => {
  // GIVEN a clock 20 times faster, so 1 minute of protection lasts three real seconds
  const h = await startEcs(t, { timeScale: 20 });
  const { cluster, service } = await createService(h, {
    desiredCount: 1,
    environment: { PROTECT_ON_START: '1', PROTECT_MINUTES: '1' },
  });
  const [task] = await waitForRunning(h, service, 1);
  const reply = lastAgentReply(await waitForLog(task!.logFile, 'protection '));
  assert.equal(reply.body.protection!.ProtectionEnabled, true);
  const expiresAt = Date.parse(reply.body.protection!.ExpirationDate as string);
  assert.ok(Math.abs(expiresAt - Date.now() - 3000) < 1000, 'the expiry reported is on the scaled clock');

  // WHEN the service scales in while the task is protected
  await h.client.send(new UpdateServiceCommand({ cluster, service, desiredCount: 0 }));
  await sleep(200);
  assert.ok(alive(task!.pid), 'still protected');
  assert.equal(task!.stopRequestedAtMs, undefined);

  // THEN it is stopped once the protection lapses, not before
  await h.ecs.observations.waitFor(
    () => task!.stoppedAtMs !== undefined,
    10_000,
    'the task to stop on expiry',
  );
  const lateMs = task!.stopRequestedAtMs! - expiresAt;
  assert.ok(lateMs >= -20 && lateMs < 2000, `stopped ${lateMs} ms after the protection expired`);
  assert.equal(task!.protectedWhenStopRequested, false);
});

test('bad protection requests get the errors ECS and its agent give', async (t) => {
  const h = await startEcs(t);
  const { cluster, service } = await createService(h, { desiredCount: 1 });
  const [task] = await waitForRunning(h, service, 1);
  const protect = (input: Partial<ConstructorParameters<typeof UpdateTaskProtectionCommand>[0]>) =>
    h.client.send(
      new UpdateTaskProtectionCommand({ cluster, tasks: [task!.taskArn], protectionEnabled: true, ...input }),
    );

  // API: more than 10 tasks, expiry out of 1–2,880, unknown cluster, unknown task
  await assert.rejects(protect({ tasks: Array.from({ length: 11 }, () => task!.taskArn) }), {
    name: 'InvalidParameterException',
  });
  await assert.rejects(protect({ expiresInMinutes: 0 }), { name: 'InvalidParameterException' });
  await assert.rejects(protect({ expiresInMinutes: 2881 }), { name: 'InvalidParameterException' });
  await assert.rejects(protect({ cluster: 'nope' }), { name: 'ClusterNotFoundException' });
  const missing = await protect({ tasks: ['0123456789abcdef0123456789abcdef'] });
  assert.deepEqual(missing.protectedTasks, []);
  assert.equal(missing.failures![0]!.reason, 'MISSING');
  assert.equal(
    missing.failures![0]!.arn,
    `arn:aws:ecs:us-east-1:000000000000:task/${cluster}/0123456789abcdef0123456789abcdef`,
  );
  const max = await protect({ expiresInMinutes: 2880 });
  assert.equal(max.protectedTasks![0]!.protectionEnabled, true);

  // Agent endpoint: out-of-range expiry, missing field, bad JSON, unknown task
  const agent = `${h.url}/_ecs-agent/${task!.taskId}/task-protection/v1/state`;
  const put = async (url: string, body: string) => {
    const res = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, body: (await res.json()) as Record<string, Record<string, unknown>> };
  };
  const tooLong = await put(agent, JSON.stringify({ ProtectionEnabled: true, ExpiresInMinutes: 5000 }));
  assert.equal(tooLong.status, 400);
  assert.equal(tooLong.body.error!.Code, 'InvalidParameterException');
  assert.equal(tooLong.body.error!.Arn, task!.taskArn);
  const noField = await put(agent, JSON.stringify({ ExpiresInMinutes: 5 }));
  assert.equal(noField.status, 400);
  assert.match(noField.body.error!.Message as string, /ProtectionEnabled/);
  assert.equal((await put(agent, '{not json')).status, 400);
  assert.equal((await put(agent, JSON.stringify({ ProtectionEnabled: true, Extra: 1 }))).status, 400);
  const unknown = await put(
    `${h.url}/_ecs-agent/ffffffffffffffffffffffffffffffff/task-protection/v1/state`,
    JSON.stringify({ ProtectionEnabled: true }),
  );
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error!.Code, 'ResourceNotFoundException');

  // A standalone task (RunTask) cannot be protected: TASK_NOT_VALID, from both sides
  await h.client.send(
    new RegisterTaskDefinitionCommand({
      family: 'one-off',
      containerDefinitions: [{ name: 'job', image: 'x', command: ['node', TASK_SCRIPT] }],
    }),
  );
  const run = await h.client.send(new RunTaskCommand({ cluster, taskDefinition: 'one-off' }));
  const standalone = run.tasks![0]!;
  const viaApi = await protect({ tasks: [standalone.taskArn!] });
  assert.equal(viaApi.failures![0]!.reason, 'TASK_NOT_VALID');
  const standaloneId = standalone.taskArn!.split('/').at(-1);
  const viaAgent = await put(
    `${h.url}/_ecs-agent/${standaloneId}/task-protection/v1/state`,
    JSON.stringify({ ProtectionEnabled: true }),
  );
  assert.equal(viaAgent.status, 200);
  assert.equal(viaAgent.body.failure!.Reason, 'TASK_NOT_VALID');
  assert.equal(viaAgent.body.failure!.Arn, standalone.taskArn);
});

test('a task being stopped may release its protection but not take it again', async (t) => {
  // GIVEN a task that is draining: asked to stop, still running (it ignores SIGTERM)
  const h = await startEcs(t);
  const task = await scaleInStubbornTask(h, 5);
  await waitForLog(task.logFile, 'ignoring SIGTERM');
  const agent = `${h.url}/_ecs-agent/${task.taskId}/task-protection/v1/state`;
  const put = async (body: unknown) => {
    const res = await fetch(agent, { method: 'PUT', body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, Record<string, unknown>> };
  };

  // WHEN it releases protection, THEN that is accepted
  const released = await put({ ProtectionEnabled: false });
  assert.equal(released.status, 200);
  assert.equal(released.body.protection!.ProtectionEnabled, false);

  // WHEN it asks for protection, THEN it gets the TASK_NOT_VALID failure
  const refused = await put({ ProtectionEnabled: true });
  assert.equal(refused.status, 200);
  assert.equal(refused.body.failure!.Reason, 'TASK_NOT_VALID');
  assert.equal(refused.body.protection, undefined);
});
