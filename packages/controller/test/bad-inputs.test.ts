/**
 * Bad inputs get named errors and never a crash loop: an unknown service (through a real state
 * machine's ScaleUp step and through the function), AWS's AccessDeniedException, a fleet with
 * maxWorkers 0, an event the function does not know. The reconcile loop keeps going past them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { CreateStateMachineCommand, DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { createController, runReconcileLoop, type ScaleResult } from '@stepfleet/controller';
import handler from '@stepfleet/controller/lambda';
import { pino } from 'pino';
import { type Harness, sleepItems, startHarness } from './harness.ts';

const BIN = fileURLToPath(new URL('../../cli/bin/stepfleet.js', import.meta.url));
const EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:bad-inputs:run-1';
const quiet = pino({ level: 'silent' });

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness?.close());

/**
 * An ECS client whose UpdateService of `service` AWS answers with AccessDeniedException (HTTP
 * 400, the JSON 1.1 error body AWS sends), so the SDK's own deserializer raises the error. The
 * local backend has no IAM, so this is injected at the client's HTTP handler, for this case
 * only; every other call goes to the backend unchanged.
 */
function ecsWithoutUpdateServicePermission(service: string): ECSClient {
  const real = new ECSClient({ endpoint: harness.backend.url, region: 'us-east-1', credentials: creds() });
  const handler = real.config.requestHandler as {
    handle(request: { headers: Record<string, string>; body?: unknown }, options?: unknown): Promise<unknown>;
  };
  return new ECSClient({
    endpoint: harness.backend.url,
    region: 'us-east-1',
    credentials: creds(),
    requestHandler: {
      handle(request: { headers: Record<string, string>; body?: unknown }, options?: unknown) {
        const update = request.headers['x-amz-target']?.endsWith('.UpdateService');
        if (!update || !String(request.body).includes(`"service":"${service}"`))
          return handler.handle(request, options);
        const body = JSON.stringify({
          __type: 'AccessDeniedException',
          message:
            'User: arn:aws:sts::000000000000:assumed-role/controller/fn is not authorized to perform: ecs:UpdateService',
        });
        return Promise.resolve({
          response: {
            statusCode: 400,
            reason: 'Bad Request',
            headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'test' },
            body: Readable.from([Buffer.from(body)]),
          },
        });
      },
      // biome-ignore lint/suspicious/noExplicitAny: the SDK's handler interface, loosely.
    } as any,
  });
}
const creds = () => ({ accessKeyId: 'test', secretAccessKey: 'test' });

const fleetOf = (service: string, cluster = 'bad-inputs') => ({ cluster, service, maxWorkers: 2 });

describe('bad inputs: named errors, no crash loop', () => {
  test('GIVEN a state machine whose fleet does not exist WHEN run THEN ScaleUp fails with Controller.ServiceNotFound and the run fails with it', async () => {
    const job = await harness.deploy(
      { name: 'no-service', batching: { maxItems: 1 }, fleet: { maxWorkers: 1 } },
      sleepItems(1, 0),
    );
    // The same definition on a service that was never created.
    const described = await harness.sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: job.stateMachineArn }),
    );
    const definition = described.definition!.replaceAll(`"${job.service}"`, '"missing-workers"');
    const created = await harness.sfn.send(
      new CreateStateMachineCommand({
        name: 'no-service-2',
        roleArn: 'arn:aws:iam::000000000000:role/x',
        definition,
      }),
    );

    const execution = await harness.finished(await harness.start(created.stateMachineArn!));

    assert.equal(execution.status, 'FAILED');
    assert.equal(execution.error, 'Controller.ServiceNotFound');
    assert.match(execution.cause!, /missing-workers/);
  });

  test('GIVEN requests naming an unknown service, a fleet with maxWorkers 0, an unknown event WHEN the function is invoked THEN each is a named error', async () => {
    const request = { action: 'scaleUp', executionArn: EXECUTION, jobName: 'x', maxConcurrency: 1 };
    await assert.rejects(handler({ ...request, fleet: fleetOf('nope') }), {
      name: 'Controller.ServiceNotFound',
      message: /bad-inputs\/nope/,
    });
    await assert.rejects(handler({ ...request, fleet: { ...fleetOf('nope'), maxWorkers: 0 } }), {
      name: 'Controller.InvalidConfig',
      message: /maxWorkers must be an integer in \[1, /,
    });
    await assert.rejects(handler({ ...request, executionArn: 'not-an-arn', fleet: fleetOf('nope') }), {
      name: 'Controller.InvalidRequest',
      message: /executionArn/,
    });
    await assert.rejects(handler({ hello: 'world' }), {
      name: 'Controller.InvalidRequest',
      message: /unknown controller event/,
    });
    // The function is still serving: a reconcile pass answers (the unknown service was not learnt).
    const answer = (await handler({ action: 'reconcile' })) as { reconciled: ScaleResult[] };
    assert.deepEqual(answer.reconciled, []);
  });

  test('GIVEN AWS denies ecs:UpdateService WHEN scaling up or reconciling THEN Controller.AccessDenied names the action, and the loop keeps reconciling the other fleets', async () => {
    const job = await harness.deploy(
      { name: 'denied', batching: { maxItems: 1 }, fleet: { maxWorkers: 1 } },
      sleepItems(1, 0),
      { controller: false },
    );
    const ecs = ecsWithoutUpdateServicePermission(job.service);
    const denied = createController({ sfn: harness.sfn, ecs, logger: quiet });

    await assert.rejects(
      denied.scaleUp({
        executionArn: `${job.stateMachineArn.replace(':stateMachine:', ':execution:')}:run-1`,
        fleet: { cluster: job.cluster, service: job.service, maxWorkers: 1 },
      }),
      { name: 'Controller.AccessDenied', message: /grant ecs:UpdateService/ },
    );

    // A loop over a fleet it may not scale, an unknown service and a good fleet.
    const good = await harness.deploy(
      { name: 'still-served', batching: { maxItems: 1 }, fleet: { maxWorkers: 1 } },
      sleepItems(1, 0),
      { controller: false },
    );
    const ecsGood = new ECSClient({
      endpoint: harness.backend.url,
      region: 'us-east-1',
      credentials: creds(),
    });
    await ecsGood.send(
      new UpdateServiceCommand({ cluster: good.cluster, service: good.service, desiredCount: 1 }),
    );
    await ecsGood.send(
      new UpdateServiceCommand({ cluster: job.cluster, service: job.service, desiredCount: 1 }),
    );
    const errors: string[] = [];
    const logger = pino(
      { level: 'error' },
      { write: (line: string) => void errors.push(JSON.parse(line).err?.type) },
    );
    const controller = createController({
      sfn: harness.sfn,
      ecs,
      fleets: [fleetOf('nope'), job.fleet, good.fleet],
      logger,
    });
    const passes: ScaleResult[][] = [];
    const stop = new AbortController();
    await runReconcileLoop(controller, {
      intervalMs: 50,
      signal: stop.signal,
      onPass: (results) => {
        passes.push([...results]);
        if (passes.length === 3) stop.abort();
      },
    });
    ecsGood.destroy();

    assert.equal(passes.length, 3, 'three passes, none thrown');
    assert.deepEqual(
      errors,
      Array.from({ length: 3 }, () => ['ServiceNotFoundError', 'PermissionError']).flat(),
    );
    // The fleets that fail do not stop the one that works: it is reconciled to 0 on the first pass.
    assert.deepEqual(
      passes.map((results) => results.map((r) => `${r.service}:${r.target}`)),
      [[`${good.service}:0`], [`${good.service}:0`], [`${good.service}:0`]],
    );
    assert.equal(await harness.desiredCount(good), 0);
    assert.equal(await harness.desiredCount(job), 1, 'the denied fleet is left as it was');
    ecs.destroy();
  });

  test('GIVEN a fleets file with maxWorkers 0 WHEN stepfleet controller starts THEN it exits 2 naming the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stepfleet-bad-'));
    try {
      const file = join(dir, 'fleets.json');
      await writeFile(file, JSON.stringify([{ cluster: 'c', service: 's', maxWorkers: 0 }]));
      const child = spawn(process.execPath, [BIN, 'controller', '--fleets', file], {
        env: { ...process.env, ...harness.env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const [code] = await once(child, 'exit');
      assert.equal(code, 2);
      assert.match(stderr, /maxWorkers must be an integer/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
