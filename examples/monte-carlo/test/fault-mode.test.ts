/**
 * The batch handler's fault test mode and its damaged input, on the real runtime: a stepfleet
 * worker (in this process, the handler in its worker threads) serves the batch activity of a
 * local backend, and tasks are scheduled as a Map Run's children would be. A thrown fault, a
 * crashed thread, a hang that never yields, a retry past them, and a malformed loan row each end
 * the task under their fixed error name.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateActivityCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type LocalBackend, startLocalBackend } from '@stepfleet/local';
import { createWorker, type Worker } from '@stepfleet/worker';
import { runBatch } from '../src/batch.ts';
import { MONTE_CARLO_HANDLERS } from '../src/job.ts';
import { generatePortfolio } from '../src/portfolio.ts';
import { resolveSimulationInput } from '../src/simulation-input.ts';

const ROOT = new URL('../../../', import.meta.url);
const BUCKET = 'mc-faults';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const SETTINGS = { seed: 5, draws: 200 };
const loans = [...generatePortfolio(5, 0, 12)];

let backend: LocalBackend;
let s3: S3Client;
let sfn: SFNClient;
let worker: Worker;
let running: Promise<void>;
let batchArn: string;

before(async () => {
  backend = await startLocalBackend({ port: 0, activityPollSeconds: 1 });
  // The worker's threads build their S3 client from the environment's credentials.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
  });
  const client = { endpoint: backend.url, region: 'us-east-1', credentials };
  s3 = new S3Client({ ...client, forcePathStyle: true });
  sfn = new SFNClient(client);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  batchArn = (await sfn.send(new CreateActivityCommand({ name: 'mc-batch' }))).activityArn!;
  worker = createWorker({
    activities: [{ activityArn: batchArn, handler: new URL(MONTE_CARLO_HANDLERS.source.batch, ROOT) }],
    threads: 1,
    // A handler that ignores its signal is terminated this long after the abort (1 s by default).
    abortGraceMs: 300,
    endpoint: backend.url,
    region: 'us-east-1',
    handleSignals: false,
    logLevel: 'silent',
    emfMetrics: false,
  });
  running = worker.run();
});

after(async () => {
  await worker?.shutdown();
  await running;
  s3?.destroy();
  sfn?.destroy();
  await backend?.close();
});

/** Runs one batch task as a Map Run's child would; resolves with the backend's outcome. */
async function runTask(items: readonly unknown[], batchInput: object, attempt = 0, timeoutSeconds = 30) {
  const input = {
    Items: items,
    BatchInput: batchInput,
    stepfleet: {
      kind: 'batch',
      executionId: 'arn:aws:states:us-east-1:000000000000:execution:mc:faults',
      attempt,
      timeoutSeconds,
    },
  };
  return (await backend.activities.schedule(batchArn, JSON.stringify(input), {
    heartbeatSeconds: 10,
    timeoutSeconds,
  })) as { status: string; error?: string; cause?: string; output?: string };
}

test('throwOnLoans fails the whole batch with MonteCarlo.InjectedFault naming the loan; with attempts: 1 the retry computes the undisturbed batch', async () => {
  // GIVEN a batch of four loans and a fault on the third, on the first attempt only
  const batch = loans.slice(0, 4);
  const faults = { throwOnLoans: [batch[2]!.id], attempts: 1 };
  // WHEN its first attempt runs
  const first = await runTask(batch, { ...SETTINGS, faults });
  // THEN it fails under the fault's name, naming the loan
  assert.equal(first.status, 'FAILED', JSON.stringify(first));
  assert.equal(first.error, 'MonteCarlo.InjectedFault');
  assert.match(first.cause!, new RegExp(`loan ${batch[2]!.id}: the fault test mode failed this batch`));
  // AND its retry (attempt 1) returns exactly what the batch computes with no fault mode at all
  const retry = await runTask(batch, { ...SETTINGS, faults }, 1);
  assert.equal(retry.status, 'SUCCEEDED', JSON.stringify(retry));
  assert.equal(retry.output, JSON.stringify(runBatch(batch, resolveSimulationInput(SETTINGS))));
});

test('crashThreadOnLoan kills the handler thread: the batch fails Worker.Crashed and the next batch runs on a new thread', async () => {
  const crashed = await runTask(loans.slice(4, 6), {
    ...SETTINGS,
    faults: { crashThreadOnLoan: loans[5]!.id },
  });
  assert.equal(crashed.status, 'FAILED', JSON.stringify(crashed));
  assert.equal(crashed.error, 'Worker.Crashed');
  const next = await runTask(loans.slice(4, 6), SETTINGS);
  assert.equal(next.status, 'SUCCEEDED', JSON.stringify(next));
});

test('hangOnLoan blocks its thread without yielding: at the deadline the worker terminates it and the batch fails Handler.Timeout', async () => {
  const started = Date.now();
  // A 2 s TimeoutSeconds: the worker's deadline is half of it (it keeps a margin to report), and
  // the abort grace (300 ms here) passes before the thread is terminated.
  const hung = await runTask(loans.slice(6, 8), { ...SETTINGS, faults: { hangOnLoan: loans[7]!.id } }, 0, 2);
  assert.equal(hung.status, 'FAILED', JSON.stringify(hung));
  assert.equal(hung.error, 'Handler.Timeout');
  assert.ok(Date.now() - started >= 900, 'it hung until the deadline');
  // The blocked thread was terminated (it would never have finished): the next batch runs.
  const next = await runTask(loans.slice(6, 8), SETTINGS);
  assert.equal(next.status, 'SUCCEEDED', JSON.stringify(next));
});

test('a malformed loan row in a JSONL object fails the batch with Loan.Invalid naming the object and the line', async () => {
  // GIVEN a JSONL file whose second row was cut mid-record (a torn write)
  const rows = loans.slice(8, 11).map((loan) => JSON.stringify(loan));
  rows[1] = rows[1]!.slice(0, 40);
  const Key = 'portfolio/loans-00000.jsonl';
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: `${rows.join('\n')}\n` }));
  // WHEN a batch names it
  const outcome = await runTask([{ Key }], { ...SETTINGS, itemsBucket: BUCKET });
  // THEN the batch fails under the loan validation's name, with where and what
  assert.equal(outcome.status, 'FAILED', JSON.stringify(outcome));
  assert.equal(outcome.error, 'Loan.Invalid');
  assert.match(outcome.cause!, /portfolio\/loans-00000\.jsonl line 2: not valid JSON/);
});

test('the fault test mode off, or aimed at loans not in the batch, changes nothing', async () => {
  const batch = loans.slice(0, 3);
  const expected = JSON.stringify(runBatch(batch, resolveSimulationInput(SETTINGS)));
  const faults = { throwOnLoans: ['L999999999'], hangOnLoan: 'L999999998', crashThreadOnLoan: 'L999999997' };
  for (const batchInput of [SETTINGS, { ...SETTINGS, faults }]) {
    const outcome = await runTask(batch, batchInput);
    assert.equal(outcome.status, 'SUCCEEDED', JSON.stringify(outcome));
    assert.equal(outcome.output, expected);
  }
});
