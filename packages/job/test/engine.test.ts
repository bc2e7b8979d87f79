/**
 * Generated definitions, run end to end on the local backend: CreateStateMachine accepts them,
 * ScaleUp starts real worker processes (local ECS tasks running test/fixtures/tiny-worker.ts),
 * the Distributed Map reads the items from S3 and writes its results there, the aggregate step
 * reads those, ScaleDown (or ScaleDownOnFailure) brings the fleet back to 0.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DescribeServicesCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import controllerFunction from '@stepfleet/controller/lambda';
import { defineJob, type JobSpecInput, STATE_NAMES as S } from '@stepfleet/job';
import { deployJob, type JobDeployment } from '@stepfleet/job/test-support';
import type { LocalBackend } from '@stepfleet/local';
import { type BackendWithClients, startBackendWithClients } from '@stepfleet/local/test-support';

const WORKER = join(import.meta.dirname, 'fixtures', 'tiny-worker.ts');
const INPUT = 'stepfleet-job-input';
const RESULTS = 'stepfleet-job-results';
const CONTROLLER = 'stepfleet-controller';
/** The controller's Lambda entry point, served as a local function. */
const CONTROLLER_MODULE = fileURLToPath(import.meta.resolve('@stepfleet/controller/lambda'));

let jobs: BackendWithClients;
let backend: LocalBackend;
let sfn: SFNClient;
let ecs: ECSClient;
let s3: S3Client;

before(async () => {
  jobs = await startBackendWithClients({ functions: { [CONTROLLER]: CONTROLLER_MODULE } }, [INPUT, RESULTS]);
  ({ backend, sfn, ecs, s3 } = jobs);
});

after(() => jobs?.close());

const put = (key: string, body: string | Uint8Array) =>
  s3.send(new PutObjectCommand({ Bucket: INPUT, Key: key, Body: body }));

// biome-ignore lint/suspicious/noExplicitAny: the ResultWriter files are read loosely, field by field.
async function readJson(bucket: string, key: string): Promise<any> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await object.Body!.transformToString());
}

/** Deploys `spec` on the backend as CDK would on AWS: activities, a worker service at 0, the state machine. */
function deploy(spec: JobSpecInput, options: { controller?: boolean } = {}): Promise<JobDeployment> {
  const job = defineJob(spec);
  return deployJob({ sfn, ecs }, job, {
    ...(job.items.bucket ? {} : { inputBucket: INPUT }),
    resultsBucket: RESULTS,
    ...(options.controller ? { controllerFunction: CONTROLLER } : {}),
    container: ({ activityArn, aggregateActivityArn }) => ({
      command: ['node', WORKER],
      environment: {
        BATCH_ACTIVITY_ARN: activityArn,
        ...(aggregateActivityArn ? { AGGREGATE_ACTIVITY_ARN: aggregateActivityArn } : {}),
      },
    }),
  });
}

/** Starts an execution and waits for it to end; returns its description and the states it entered. */
async function run(
  stateMachineArn: string,
  input: unknown = {},
): Promise<{ execution: DescribeExecutionCommandOutput; entered: string[] }> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
  );
  const deadline = Date.now() + 45_000;
  let execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  while (execution.status === 'RUNNING') {
    assert.ok(Date.now() < deadline, 'the execution ends within 45 s');
    await sleep(100);
    execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  }
  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  const entered = (history.events ?? [])
    .map((e) => e.stateEnteredEventDetails?.name)
    .filter((name): name is string => name !== undefined);
  return { execution, entered };
}

async function desiredCount(cluster: string, service: string): Promise<number> {
  const described = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  return described.services![0]!.desiredCount!;
}

/** n items `{ id, value: id + 1, fail }`: only the item at `failAt` asks to fail. */
const items = (n: number, failAt = -1) =>
  Array.from({ length: n }, (_, i) => ({ id: i, value: i + 1, fail: i === failAt }));

/** The largest desiredCount the service had, and whether all its task processes have stopped. */
async function fleetHistory(service: string): Promise<{ peak: number; tasks: number }> {
  const observations = backend.ecs.observations;
  await observations.waitFor(
    () => observations.tasks({ service }).every((t) => t.stoppedAtMs !== undefined),
    10_000,
    `every task of ${service} stopped`,
  );
  const peak = Math.max(0, ...observations.samples({ service }).map((s) => s.desiredCount));
  return { peak, tasks: observations.tasks({ service }).length };
}

describe('generated definitions on the local engine', () => {
  test('GIVEN a JSONL job with an aggregate step WHEN run THEN batches and aggregate run on the fleet, which ends at 0', async () => {
    await put(
      'jsonl/items.jsonl',
      items(30)
        .map((item) => JSON.stringify(item))
        .join('\n'),
    );
    const { stateMachineArn, cluster, service } = await deploy({
      name: 'jsonl-sum',
      items: { type: 'jsonl', key: 'jsonl/items.jsonl' },
      batching: { maxItems: 4, batchInput: { label: 'sum' } },
      aggregate: { timeoutSeconds: 30, heartbeatSeconds: 10 },
      activity: { timeoutSeconds: 30, heartbeatSeconds: 10 },
      worker: { handler: WORKER },
      fleet: { maxWorkers: 2, capacity: 'on-demand' },
    });

    const { execution, entered } = await run(stateMachineArn, { note: 'first run' });

    assert.equal(execution.status, 'SUCCEEDED', execution.cause);
    const output = JSON.parse(execution.output!);
    assert.deepEqual(output.input, { note: 'first run' });
    assert.deepEqual(output.result, { total: (30 * 31) / 2, items: 30, batches: 8 });
    const { Bucket, Key } = output.mapRun.ResultWriterDetails;
    assert.equal(Bucket, RESULTS);
    assert.match(Key, /^results\/jsonl-sum\/.+\/manifest\.json$/);
    assert.deepEqual(
      entered.filter((name) => name !== S.batch),
      [S.plan, S.scaleUp, S.map, S.aggregate, S.scaleDown, S.succeeded],
    );
    // Each batch saw the envelope: its child execution's id, attempt 0, the job's BatchInput.
    const manifest = await readJson(Bucket, Key);
    const records = await readJson(RESULTS, manifest.ResultFiles.SUCCEEDED[0].Key);
    const batchOutput = JSON.parse(records[0].Output);
    assert.equal(batchOutput.executionId, records[0].ExecutionArn);
    assert.equal(batchOutput.attempt, 0);
    assert.deepEqual(batchOutput.batchInput, { label: 'sum' });
    assert.equal(await desiredCount(cluster, service), 0);
    assert.deepEqual(await fleetHistory(service), { peak: 2, tasks: 2 });
  });

  test('GIVEN a CSV job whose batch fails WHEN run THEN the fleet is scaled down and the run fails with the Map Run error', async () => {
    const rows = items(12, 7);
    await put(
      'csv/rows.csv',
      ['id,value,fail', ...rows.map((r) => `${r.id},${r.value},${r.fail}`)].join('\n'),
    );
    const { stateMachineArn, cluster, service } = await deploy({
      name: 'csv-fail',
      items: { type: 'csv', key: 'csv/rows.csv' },
      batching: { maxItems: 3 },
      activity: { timeoutSeconds: 30, heartbeatSeconds: 10 },
      worker: { handler: WORKER },
      fleet: { maxWorkers: 1, capacity: 'spot' },
    });

    const { execution, entered } = await run(stateMachineArn);

    assert.equal(execution.status, 'FAILED');
    assert.equal(execution.error, 'States.ExceedToleratedFailureThreshold');
    assert.ok(entered.includes(S.scaleDownOnFailure), 'the failure path scales down');
    assert.ok(!entered.includes(S.scaleDown));
    assert.equal(await desiredCount(cluster, service), 0);
    assert.deepEqual(await fleetHistory(service), { peak: 1, tasks: 1 });
  });

  test('GIVEN a JSON trial run with a tolerated failure WHEN run THEN only MaxItems items run and the run succeeds', async () => {
    await put('json/items.json', JSON.stringify(items(40, 3)));
    const { stateMachineArn, cluster, service } = await deploy({
      name: 'json-trial',
      items: { type: 'json', key: 'json/items.json', maxItems: 10 },
      batching: { maxItems: 2 },
      // AWS counts items: the failed batch fails both its items.
      toleratedFailure: { count: 2 },
      aggregate: true,
      activity: { timeoutSeconds: 30, heartbeatSeconds: 10 },
      worker: { handler: WORKER },
      fleet: { maxWorkers: 2 },
    });

    const { execution } = await run(stateMachineArn);

    assert.equal(execution.status, 'SUCCEEDED', execution.cause);
    // 10 items in 5 batches; the batch of items 2-3 failed and was tolerated.
    assert.deepEqual(JSON.parse(execution.output!).result, { total: 55 - 3 - 4, items: 8, batches: 4 });
    assert.equal(await desiredCount(cluster, service), 0);
  });

  test('GIVEN an S3 Inventory manifest in a bucket the spec names WHEN run THEN every listed object is an item', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => `"${INPUT}","data/object-${i}","${i * 10}"`).join('\n');
    await put('inventory/data/part-0.csv.gz', gzipSync(rows));
    await put(
      'inventory/manifest.json',
      JSON.stringify({
        sourceBucket: INPUT,
        destinationBucket: `arn:aws:s3:::${INPUT}`,
        fileFormat: 'CSV',
        fileSchema: 'Bucket, Key, Size',
        files: [{ key: 'inventory/data/part-0.csv.gz', size: 1, MD5checksum: '0' }],
      }),
    );
    const { stateMachineArn, cluster, service } = await deploy({
      name: 'inventory',
      items: { type: 'manifest', bucket: INPUT, key: 'inventory/manifest.json' },
      batching: { maxItems: 2 },
      aggregate: true,
      activity: { timeoutSeconds: 30, heartbeatSeconds: 10 },
      worker: { handler: WORKER },
      fleet: { maxWorkers: 1 },
    });

    const { execution } = await run(stateMachineArn);

    assert.equal(execution.status, 'SUCCEEDED', execution.cause);
    assert.deepEqual(JSON.parse(execution.output!).result, { total: 0, items: 5, batches: 3 });
    assert.equal(await desiredCount(cluster, service), 0);
  });

  test('GIVEN an S3 object list and the fleet controller WHEN run THEN the controller scales up and back to 0', async () => {
    for (let i = 0; i < 7; i++) await put(`objects/part-${i}.bin`, 'x'.repeat(i + 1));
    const { stateMachineArn, cluster, service } = await deploy(
      {
        name: 'objects-ctl',
        items: { type: 's3-objects', prefix: 'objects/' },
        batching: { maxItems: 2 },
        aggregate: true,
        activity: { timeoutSeconds: 30, heartbeatSeconds: 10 },
        worker: { handler: WORKER },
        fleet: { maxWorkers: 3 },
      },
      { controller: true },
    );

    const { execution, entered } = await run(stateMachineArn);

    assert.equal(execution.status, 'SUCCEEDED', execution.cause);
    assert.deepEqual(JSON.parse(execution.output!).result, { total: 0, items: 7, batches: 4 });
    assert.deepEqual(
      entered.filter((name) => name !== S.batch),
      [S.plan, S.scaleUp, S.map, S.aggregate, S.scaleDown, S.succeeded],
    );
    assert.equal(await desiredCount(cluster, service), 0);
    const { peak } = await fleetHistory(service);
    assert.ok(peak >= 1 && peak <= 3, `the controller sized the fleet within its bounds, peak ${peak}`);
  });

  test('GIVEN a running job on the controller WHEN stopped THEN one reconcile brings the fleet to 0', async () => {
    const { stateMachineArn, cluster, service } = await deploySlow('slow-stop');
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn }));
    await waitForState(executionArn!, S.map);

    await sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Test.Stop', cause: 'stopped by the test' }),
    );

    assert.ok((await desiredCount(cluster, service)) > 0, 'a stop runs no state: the fleet is still up');
    await controllerFunction({ action: 'reconcile' });
    assert.equal(await desiredCount(cluster, service), 0);
  });

  test('GIVEN a job that outlives its state machine timeout WHEN it times out THEN one reconcile brings the fleet to 0', async () => {
    const { stateMachineArn, cluster, service } = await deploySlow('timed-out', { timeoutSeconds: 2 });

    const { execution } = await run(stateMachineArn);

    assert.equal(execution.status, 'TIMED_OUT');
    assert.ok((await desiredCount(cluster, service)) > 0, 'a timeout runs no state: the fleet is still up');
    await controllerFunction({ action: 'reconcile' });
    assert.equal(await desiredCount(cluster, service), 0);
  });
});

/** A job on the controller whose 4 one-item batches each take 30 s: it is still running when the test acts. */
async function deploySlow(name: string, extra: Partial<JobSpecInput> = {}) {
  await put(
    `${name}/items.jsonl`,
    items(4)
      .map((item) => JSON.stringify(item))
      .join('\n'),
  );
  return deploy(
    {
      name,
      items: { type: 'jsonl', key: `${name}/items.jsonl` },
      batching: { maxItems: 1, batchInput: { sleepMs: 30_000 } },
      activity: { timeoutSeconds: 60, heartbeatSeconds: 50 },
      worker: { handler: WORKER },
      fleet: { maxWorkers: 2 },
      ...extra,
    },
    { controller: true },
  );
}

/** Waits until the execution has entered `state`. */
async function waitForState(executionArn: string, state: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    if (history.events?.some((e) => e.stateEnteredEventDetails?.name === state)) return;
    assert.ok(Date.now() < deadline, `the execution enters ${state} within 20 s`);
    await sleep(50);
  }
}
