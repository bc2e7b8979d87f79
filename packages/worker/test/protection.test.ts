/**
 * What must hold 11: a worker running as an ECS task (a process the local backend's ECS
 * launched, with `ECS_AGENT_URI`) turns scale-in protection on while it holds work and off
 * once idle, as the ECS API (GetTaskProtection) sees it. Scale-in then drains it to exit 0.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  GetTaskProtectionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { batchInput, fixture, startBackend, testCredentials, waitFor } from './helpers.ts';

test('task protection through the ECS agent: on while busy, off when idle', async (t) => {
  // GIVEN a worker launched as the task of an ECS service, releasing protection after 1 s idle
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 1 });
  const arn = arns[0] as string;
  const ecs = new ECSClient({ endpoint: backend.url, region: 'us-east-1', credentials: testCredentials });
  t.after(() => ecs.destroy());
  await ecs.send(new CreateClusterCommand({ clusterName: 'fleet' }));
  const environment = {
    AWS_ENDPOINT_URL: backend.url,
    STEPFLEET_ACTIVITY_ARN: arn,
    STEPFLEET_HANDLER: fixture('behaviors.ts'),
    STEPFLEET_THREADS: '1',
    STEPFLEET_PROTECTION_IDLE_RELEASE_MS: '1000',
    STEPFLEET_METRICS: 'off',
    STEPFLEET_LOG_LEVEL: 'warn',
  };
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'worker',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '1024',
      memory: '2048',
      containerDefinitions: [
        {
          name: 'worker',
          image: 'stepfleet/worker:latest',
          command: ['node', fixture('run-worker.ts')],
          environment: Object.entries(environment).map(([name, value]) => ({ name, value })),
          stopTimeout: 10,
        },
      ],
    }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'fleet',
      serviceName: 'workers',
      taskDefinition: 'worker',
      desiredCount: 1,
      launchType: 'FARGATE',
    }),
  );
  t.after(async () => {
    await ecs
      .send(new UpdateServiceCommand({ cluster: 'fleet', service: 'workers', desiredCount: 0 }))
      .catch(() => {});
  });
  let taskArn = '';
  await waitFor(
    () => {
      taskArn = backend.ecs.observations.tasks({}).find((o) => o.startedAtMs !== undefined)?.taskArn ?? '';
      return taskArn !== '';
    },
    15_000,
    'the service to start its task',
  );
  const isProtected = async (): Promise<boolean> => {
    const got = await ecs.send(new GetTaskProtectionCommand({ cluster: 'fleet', tasks: [taskArn] }));
    return got.protectedTasks?.[0]?.protectionEnabled === true;
  };
  assert.equal(await isProtected(), false);

  // WHEN a 2 s task runs on it
  let pickedUp = false;
  const outcome = backend.activities.schedule(arn, batchInput([1], { mode: 'sleep', ms: 2000 }), {
    timeoutSeconds: 60,
    onStarted: () => {
      pickedUp = true;
    },
  });
  await waitFor(() => pickedUp, 20_000, 'the worker to take the task');

  // THEN it is protected while it works
  let seenOn = false;
  const busyUntil = Date.now() + 1500;
  while (!seenOn && Date.now() < busyUntil) {
    seenOn = await isProtected();
    if (!seenOn) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(seenOn, 'protected while busy');
  assert.equal((await outcome).status, 'SUCCEEDED');

  // AND released once idle for a second
  let seenOff = false;
  const idleUntil = Date.now() + 5_000;
  while (!seenOff && Date.now() < idleUntil) {
    seenOff = !(await isProtected());
    if (!seenOff) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(seenOff, 'released when idle');

  // WHEN the service scales in (the task is unprotected now, so ECS stops it: SIGTERM)
  await ecs.send(new UpdateServiceCommand({ cluster: 'fleet', service: 'workers', desiredCount: 0 }));
  // THEN the worker drains and exits 0
  const observed = () => backend.ecs.observations.tasks({}).find((o) => o.taskArn === taskArn);
  await waitFor(() => observed()?.exitCode !== undefined, 10_000, 'the task process to exit');
  assert.equal(observed()?.exitCode, 0);
});
