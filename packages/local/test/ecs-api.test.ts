import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteClusterCommand,
  DeleteServiceCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListServicesCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  waitUntilServicesStable,
} from '@aws-sdk/client-ecs';
import {
  alive,
  createService,
  runningTasks,
  startEcs,
  TASK_SCRIPT,
  waitForLog,
  waitForRunning,
} from './ecs-harness.ts';

const ARN = 'arn:aws:ecs:us-east-1:000000000000';

test('clusters: idempotent create, MISSING failures, no delete while services are active', async (t) => {
  const h = await startEcs(t);
  const first = await h.client.send(new CreateClusterCommand({ clusterName: 'c1' }));
  const again = await h.client.send(new CreateClusterCommand({ clusterName: 'c1' }));
  assert.equal(first.cluster!.clusterArn, `${ARN}:cluster/c1`);
  assert.equal(again.cluster!.clusterArn, first.cluster!.clusterArn);
  assert.equal(again.cluster!.status, 'ACTIVE');

  const described = await h.client.send(new DescribeClustersCommand({ clusters: ['c1', 'ghost'] }));
  assert.deepEqual(
    described.clusters!.map((c) => c.clusterName),
    ['c1'],
  );
  assert.deepEqual(described.failures, [{ arn: `${ARN}:cluster/ghost`, reason: 'MISSING' }]);

  await createService(h, { cluster: 'c1', service: 'svc' });
  await assert.rejects(h.client.send(new DeleteClusterCommand({ cluster: 'c1' })), {
    name: 'ClusterContainsServicesException',
  });
  await h.client.send(new DeleteServiceCommand({ cluster: 'c1', service: 'svc' }));
  const deleted = await h.client.send(new DeleteClusterCommand({ cluster: `${ARN}:cluster/c1` }));
  assert.equal(deleted.cluster!.status, 'INACTIVE');
  await assert.rejects(h.client.send(new ListServicesCommand({ cluster: 'c1' })), {
    name: 'ClusterNotFoundException',
  });
});

test('task definitions: revisions, ARNs, defaults and refusals', async (t) => {
  const h = await startEcs(t);
  const register = (container: Record<string, unknown>) =>
    h.client.send(
      new RegisterTaskDefinitionCommand({
        family: 'worker',
        containerDefinitions: [{ name: 'w', image: 'img', command: ['node', TASK_SCRIPT], ...container }],
      }),
    );
  const one = await register({});
  const two = await register({ stopTimeout: 120 });
  assert.equal(one.taskDefinition!.taskDefinitionArn, `${ARN}:task-definition/worker:1`);
  assert.equal(two.taskDefinition!.revision, 2);
  assert.equal(one.taskDefinition!.containerDefinitions![0]!.stopTimeout, 30, 'ECS default stopTimeout');

  const latest = await h.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'worker' }));
  assert.equal(latest.taskDefinition!.revision, 2);
  const first = await h.client.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: `${ARN}:task-definition/worker:1` }),
  );
  assert.equal(first.taskDefinition!.revision, 1);
  await assert.rejects(h.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'worker:9' })), {
    name: 'ClientException',
  });

  await assert.rejects(
    register({ stopTimeout: 121 }),
    { name: 'InvalidParameterException' },
    'Fargate max is 120',
  );
  await assert.rejects(register({ command: undefined }), { name: 'ClientException' }, 'nothing to run');
  await assert.rejects(register({ secrets: [{ name: 'A', valueFrom: 'arn' }] }), (error: Error) => {
    assert.equal(error.name, 'InvalidParameterException');
    assert.match(error.message, /secrets is not supported/);
    return true;
  });
});

test('services: the errors ECS answers for missing, duplicate, active and deleted services', async (t) => {
  const h = await startEcs(t);
  const { cluster, service } = await createService(h, { desiredCount: 1 });
  const [task] = await waitForRunning(h, service, 1);

  await assert.rejects(
    h.client.send(new DescribeServicesCommand({ cluster: 'ghost', services: [service] })),
    {
      name: 'ClusterNotFoundException',
    },
  );
  await assert.rejects(
    h.client.send(new UpdateServiceCommand({ cluster, service: 'ghost', desiredCount: 1 })),
    {
      name: 'ServiceNotFoundException',
    },
  );
  const described = await h.client.send(
    new DescribeServicesCommand({ cluster, services: [service, 'ghost'] }),
  );
  assert.equal(described.services![0]!.serviceArn, `${ARN}:service/${cluster}/${service}`);
  assert.equal(described.services![0]!.launchType, 'FARGATE');
  assert.deepEqual(described.failures, [{ arn: `${ARN}:service/${cluster}/ghost`, reason: 'MISSING' }]);
  await assert.rejects(
    h.client.send(
      new CreateServiceCommand({ cluster, serviceName: service, taskDefinition: service, desiredCount: 0 }),
    ),
    { name: 'InvalidParameterException' },
  );
  await assert.rejects(
    h.client.send(
      new CreateServiceCommand({ cluster, serviceName: 'x', taskDefinition: 'ghost', desiredCount: 0 }),
    ),
    { name: 'ClientException' },
  );
  await assert.rejects(h.client.send(new UpdateServiceCommand({ cluster, service, desiredCount: -1 })), {
    name: 'InvalidParameterException',
  });
  await h.client.send(
    new CreateServiceCommand({
      cluster,
      serviceName: 'tagged',
      taskDefinition: service,
      desiredCount: 0,
      tags: [{ key: 'team', value: 'batch' }],
    }),
  );
  const tagged = await h.client.send(
    new DescribeServicesCommand({ cluster, services: ['tagged'], include: ['TAGS'] }),
  );
  assert.deepEqual(tagged.services![0]!.tags, [{ key: 'team', value: 'batch' }]);
  const listed = await h.client.send(new ListServicesCommand({ cluster }));
  assert.deepEqual(listed.serviceArns, [
    `${ARN}:service/${cluster}/${service}`,
    `${ARN}:service/${cluster}/tagged`,
  ]);

  // A service above 0 is deleted only with force, which stops its tasks
  await assert.rejects(h.client.send(new DeleteServiceCommand({ cluster, service })), {
    name: 'InvalidParameterException',
  });
  const deleted = await h.client.send(new DeleteServiceCommand({ cluster, service, force: true }));
  assert.equal(deleted.service!.status, 'DRAINING');
  await h.ecs.observations.waitFor(() => task!.stoppedAtMs !== undefined);
  assert.equal(alive(task!.pid), false);
  await assert.rejects(h.client.send(new UpdateServiceCommand({ cluster, service, desiredCount: 1 })), {
    name: 'ServiceNotActiveException',
  });
  const after = await h.client.send(new DescribeServicesCommand({ cluster, services: [service] }));
  assert.equal(after.services![0]!.status, 'INACTIVE');
});

test('a new task definition deploys: old tasks are replaced by tasks of the new revision', async (t) => {
  const h = await startEcs(t);
  const { cluster, service } = await createService(h, { desiredCount: 2, environment: { GREETING: 'v1' } });
  const old = await waitForRunning(h, service, 2);
  const v2 = await h.client.send(
    new RegisterTaskDefinitionCommand({
      family: service,
      containerDefinitions: [
        {
          name: 'worker',
          image: 'img:v2',
          command: ['node', TASK_SCRIPT],
          environment: [{ name: 'GREETING', value: 'v2' }],
        },
      ],
    }),
  );
  await h.client.send(new UpdateServiceCommand({ cluster, service, taskDefinition: `${service}:2` }));
  await h.ecs.observations.waitFor(
    () => old.every((task) => task.stoppedAtMs) && runningTasks(h, service).length === 2,
    10_000,
    'two v2 tasks',
  );
  for (const task of runningTasks(h, service)) await waitForLog(task.logFile, 'greeting=v2');
  // The SDK's own waiter agrees that the service is stable (one deployment, running = desired)
  const stable = await waitUntilServicesStable(
    { client: h.client, maxWaitTime: 10, minDelay: 1, maxDelay: 1 },
    { cluster, services: [service] },
  );
  assert.equal(stable.state, 'SUCCESS');
  const described = (await h.client.send(new DescribeServicesCommand({ cluster, services: [service] })))
    .services![0]!;
  assert.equal(described.taskDefinition, v2.taskDefinition!.taskDefinitionArn);
  assert.equal(described.deployments!.length, 1);
  assert.equal(described.deployments![0]!.rolloutState, 'COMPLETED');
  assert.equal(described.deployments![0]!.status, 'PRIMARY');
  assert.equal(described.deployments![0]!.taskDefinition, v2.taskDefinition!.taskDefinitionArn);
});

test('RunTask and StopTask: a standalone task with overrides, stopped with a reason', async (t) => {
  const h = await startEcs(t);
  await h.client.send(new CreateClusterCommand({}));
  await h.client.send(
    new RegisterTaskDefinitionCommand({
      family: 'job',
      containerDefinitions: [
        { name: 'main', image: 'img', command: ['sleep', '1'], stopTimeout: 2, workingDirectory: tmpdir() },
      ],
    }),
  );
  const run = await h.client.send(
    new RunTaskCommand({
      taskDefinition: 'job',
      overrides: {
        containerOverrides: [
          {
            name: 'main',
            command: ['node', TASK_SCRIPT],
            environment: [{ name: 'GREETING', value: 'override' }],
          },
        ],
      },
    }),
  );
  const arn = run.tasks![0]!.taskArn!;
  assert.match(arn, new RegExp(`^${ARN}:task/default/[0-9a-f]{32}$`));
  const id = arn.split('/').at(-1)!;
  const observed = await h.ecs.observations.waitFor(() =>
    h.ecs.observations.task(id)?.startedAtMs === undefined ? undefined : h.ecs.observations.task(id),
  );
  await waitForLog(observed.logFile, `greeting=override cwd=${tmpdir()}`);
  const running = await h.client.send(
    new DescribeTasksCommand({ tasks: [arn, 'feedfacefeedfacefeedfacefeedface'] }),
  );
  assert.equal(running.tasks![0]!.lastStatus, 'RUNNING');
  assert.equal(running.failures![0]!.reason, 'MISSING');

  const stopped = await h.client.send(new StopTaskCommand({ task: id, reason: 'no longer needed' }));
  assert.equal(stopped.task!.desiredStatus, 'STOPPED');
  await h.ecs.observations.waitFor(() => observed.stoppedAtMs !== undefined);
  const final = (await h.client.send(new DescribeTasksCommand({ tasks: [arn] }))).tasks![0]!;
  assert.equal(final.lastStatus, 'STOPPED');
  assert.equal(final.stoppedReason, 'no longer needed');
  assert.equal(final.stopCode, 'UserInitiated');
  assert.equal(final.containers![0]!.exitCode, 0);
  await assert.rejects(h.client.send(new StopTaskCommand({ task: 'feedfacefeedfacefeedfacefeedface' })), {
    name: 'InvalidParameterException',
  });
});

test('a command that does not exist gives STOPPED tasks with a reason, retried with backoff', async (t) => {
  const h = await startEcs(t);
  const { cluster, service } = await createService(h, {
    desiredCount: 1,
    command: ['/nonexistent/stepfleet-no-such-command'],
  });
  const firstFailed = await h.ecs.observations.waitFor(() =>
    h.ecs.observations.tasks({ service }).find((task) => task.stoppedAtMs !== undefined),
  );
  assert.equal(firstFailed.stopCode, 'TaskFailedToStart');
  assert.match(firstFailed.stoppedReason!, /^CannotStartContainerError: .*ENOENT/);
  assert.equal(firstFailed.startedAtMs, undefined);

  await new Promise((resolve) => setTimeout(resolve, 1500));
  const attempts = h.ecs.observations.tasks({ service }).length;
  assert.ok(attempts >= 2 && attempts <= 5, `${attempts} attempts in 1.5 s: backoff 0, 0, 1 s, 2 s...`);
  const events = (
    await h.client.send(new DescribeServicesCommand({ cluster, services: [service] }))
  ).services![0]!.events!.map((e) => e.message);
  assert.ok(
    events.some((m) =>
      m?.startsWith('(service fleet) failed to launch a task with (error CannotStartContainerError'),
    ),
  );
  assert.ok(
    events.some((m) => m?.startsWith('(service fleet) is unable to consistently start tasks successfully.')),
  );
});

test('close() stops every task, SIGKILL for the stubborn, and leaves no process', async (t) => {
  const h = await startEcs(t);
  await createService(h, { service: 'polite', desiredCount: 2 });
  await createService(h, {
    service: 'stubborn',
    desiredCount: 1,
    stopTimeout: 1,
    environment: { IGNORE_SIGTERM: '1' },
  });
  const polite = await waitForRunning(h, 'polite', 2);
  const [stubborn] = await waitForRunning(h, 'stubborn', 1);
  await waitForLog(stubborn!.logFile, 'started');

  const started = Date.now();
  await h.ecs.close();
  const tookMs = Date.now() - started;

  for (const task of [...polite, stubborn!]) assert.equal(alive(task.pid), false, `pid ${task.pid} is gone`);
  assert.equal(stubborn!.signal, 'SIGKILL');
  assert.ok(tookMs >= 950, `close waited for the stop timeout (${tookMs} ms)`);
  await h.ecs.close();
});

test('a task finds its metadata, region, endpoint and credentials as on Fargate', async (t) => {
  // GIVEN a task whose process uses the AWS SDK with no configuration
  const h = await startEcs(t);
  const { service } = await createService(h, {
    desiredCount: 1,
    command: ['node', join(import.meta.dirname, 'fixtures', 'ecs-sdk-task.mjs')],
  });
  const [task] = await waitForRunning(h, service, 1);

  // THEN it reads the task metadata endpoint and calls this backend with container credentials
  const log = await waitForLog(task!.logFile, '"taskArn"', 20_000);
  const found = JSON.parse(log.trim().split('\n').at(-1)!);
  assert.deepEqual(found, {
    taskIdFromUri: task!.taskId,
    taskArn: task!.taskArn,
    family: service,
    serviceStatus: 'ACTIVE',
    accessKeyId: 'ASIASTEPFLEETLOCAL00',
  });
});
