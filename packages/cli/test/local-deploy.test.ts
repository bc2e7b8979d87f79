/**
 * `deployLocalJob` against a real local backend through the real SDK clients: deploying one job
 * several times at once (two `stepfleet run` of the same job on one backend) must give every
 * caller the same resources, with one service, and deploying again must update, not duplicate.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DescribeServicesCommand, ECSClient, ListServicesCommand } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import { DescribeStateMachineCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { defineJob, resourceNames } from '@stepfleet/job';
import { type LocalBackend, startLocalBackend } from '@stepfleet/local';
import { deployLocalJob } from '../src/local-deploy.ts';

let backend: LocalBackend;
let clients: { sfn: SFNClient; ecs: ECSClient; s3: S3Client };

before(async () => {
  backend = await startLocalBackend({ port: 0 });
  const config = {
    endpoint: backend.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  };
  clients = {
    sfn: new SFNClient(config),
    ecs: new ECSClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
  };
});

after(async () => {
  for (const client of Object.values(clients)) client.destroy();
  await backend.close();
});

const spec = (name: string) =>
  defineJob({ name, items: { type: 'jsonl', key: 'in/items.jsonl' }, worker: { handler: 'handler.js' } });

test('GIVEN one job WHEN three deploys of it run at once THEN all succeed and share one service and state machine', async () => {
  const job = spec('concurrent-deploy');
  const names = resourceNames(job.name);
  // WHEN
  const results = await Promise.allSettled([1, 2, 3].map(() => deployLocalJob({ clients, spec: job })));
  // THEN
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
  assert.deepEqual(failures, []);
  const deployments = results.map(
    (r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof deployLocalJob>>>).value,
  );
  assert.equal(new Set(deployments.map((d) => d.stateMachineArn)).size, 1);
  assert.equal(new Set(deployments.map((d) => `${d.cluster}/${d.service}`)).size, 1);
  const { serviceArns } = await clients.ecs.send(new ListServicesCommand({ cluster: names.cluster }));
  assert.equal(serviceArns?.length, 1);
  const { services } = await clients.ecs.send(
    new DescribeServicesCommand({ cluster: names.cluster, services: [names.service] }),
  );
  assert.deepEqual(
    services?.map((s) => [s.serviceName, s.status, s.desiredCount]),
    [[names.service, 'ACTIVE', 0]],
  );
  const machine = await clients.sfn.send(
    new DescribeStateMachineCommand({ stateMachineArn: deployments[0]!.stateMachineArn }),
  );
  assert.equal(machine.status, 'ACTIVE');
});

test('GIVEN a deployed job WHEN deployed again THEN the service is updated to the new task definition, not duplicated', async () => {
  const job = spec('redeploy');
  const names = resourceNames(job.name);
  const first = await deployLocalJob({ clients, spec: job });
  const before = await clients.ecs.send(
    new DescribeServicesCommand({ cluster: names.cluster, services: [names.service] }),
  );
  // WHEN
  const second = await deployLocalJob({ clients, spec: job, workerLogLevel: 'debug' });
  // THEN
  assert.equal(second.stateMachineArn, first.stateMachineArn);
  const after = await clients.ecs.send(
    new DescribeServicesCommand({ cluster: names.cluster, services: [names.service] }),
  );
  assert.notEqual(after.services![0]!.taskDefinition, before.services![0]!.taskDefinition);
  const { serviceArns } = await clients.ecs.send(new ListServicesCommand({ cluster: names.cluster }));
  assert.equal(serviceArns?.length, 1);
  const { stateMachines } = await clients.sfn.send(new ListStateMachinesCommand({}));
  assert.equal(stateMachines?.filter((m) => m.name === names.stateMachine).length, 1);
});
