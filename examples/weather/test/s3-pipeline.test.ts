/**
 * The handlers on the real runtime: the dataset writer puts station files (some corrupt, some
 * missing) into the local backend's S3; a stepfleet worker (in this process, handlers in its
 * worker threads) serves the batch and aggregate activities; tasks are scheduled on the
 * backend as a Map Run would. Covers the partial-failure policy (corrupt and missing files named
 * by key, the rest succeeds), the fault test mode, a bad BatchInput, and the aggregate step
 * reading a ResultWriter layout.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { LocalBackend } from '@stepfleet/local';
import type { ItemsReport } from '@stepfleet/worker';
import { startWorkerBackend, type WorkerBackend } from 'stepfleet/test-support';
import type { WeatherSummary } from '../src/aggregate-handler.ts';
import { planDataset } from '../src/dataset.ts';
import { type DatasetSummary, writeDataset } from '../src/dataset-writer.ts';
import { WEATHER_HANDLERS } from '../src/job.ts';
import type { StationMonthlyMax } from '../src/monthly-max.ts';
import { readWeatherResult } from '../src/result-store.ts';
import { referenceMonthlyMaxima } from './reference.ts';

const ROOT = new URL('../../../', import.meta.url);
const BUCKET = 'weather-in';
const RESULTS = 'weather-out';
const DATASET = { stations: 24, years: 1, seed: 'pipe', corrupt: 5, missing: 2, prefix: 'ghcn/by-station/' };

let stack: WorkerBackend;
let backend: LocalBackend;
let s3: S3Client;
let batchArn: string;
let aggregateArn: string;
let written: DatasetSummary;

before(async () => {
  stack = await startWorkerBackend({
    buckets: [BUCKET, RESULTS],
    activities: [
      { name: 'weather-batch', handler: new URL(WEATHER_HANDLERS.source.batch, ROOT) },
      { name: 'weather-aggregate', handler: new URL(WEATHER_HANDLERS.source.aggregate, ROOT), pollers: 1 },
    ],
    threads: 1,
    tasksPerThread: 2,
  });
  ({ backend, s3 } = stack);
  [batchArn, aggregateArn] = stack.activityArns as [string, string];
  written = await writeDataset({ client: s3, bucket: BUCKET, ...DATASET });
});

after(() => stack?.close());

const plan = planDataset(DATASET);

/** Runs one batch task as a Map Run's child would; resolves with the backend's outcome. */
async function runBatch(
  keys: readonly string[],
  batchInput: object,
  stepfleet: object = {},
  timeoutSeconds = 30,
) {
  const input = {
    Items: keys.map((Key) => ({ Key, Size: 1 })),
    BatchInput: batchInput,
    stepfleet: {
      kind: 'batch',
      executionId: `arn:aws:states:us-east-1:000000000000:execution:t:${keys[0]}`,
      attempt: 0,
      timeoutSeconds,
      ...stepfleet,
    },
  };
  return backend.activities.schedule(batchArn, JSON.stringify(input), {
    heartbeatSeconds: 10,
    timeoutSeconds,
  });
}

test('a batch with corrupt and missing files: those are named by key, the rest of the batch succeeds', async () => {
  // GIVEN every key of the manifest (corrupt and missing ones included) in one batch
  const keys = plan.objects.map((o) => o.key);
  // WHEN it runs on the worker
  const outcome = await runBatch(keys, { itemsBucket: BUCKET });
  // THEN the task succeeds with a report: one result per good file, each bad file named
  assert.equal(outcome.status, 'SUCCEEDED', JSON.stringify(outcome));
  const report = JSON.parse((outcome as { output: string }).output) as ItemsReport<StationMonthlyMax>;
  assert.equal(report.succeededCount, 24 - 7);
  assert.equal(report.failedCount, 7);
  const failed = report.failed.map((f) => ({
    key: keys[f.index],
    error: f.error,
    message: f.cause.split('\n')[0],
  }));
  for (const { key, kind } of written.corrupt) {
    const f = failed.find((x) => x.key === key);
    assert.equal(f?.error, 'Weather.CorruptFile', kind);
    assert.ok(f.message?.includes(key), `the error names ${key}: ${f.message}`);
  }
  for (const key of written.missing) {
    const f = failed.find((x) => x.key === key);
    assert.equal(f?.error, 'Weather.MissingFile');
    assert.match(f.message ?? '', /no such object \(listed, but absent from the bucket\)/);
  }
  report.results.forEach((r, i) => {
    if (r) assert.equal(r.key, keys[i]);
  });
});

test('the fault test mode: throws on some items, crashes its thread, hangs until aborted, only on the attempts asked', async () => {
  const good = plan.objects.filter((o) => o.fate === 'valid').map((o) => o.key);
  // Throwing items are reported by key; the rest of the batch succeeds.
  const thrown = await runBatch(good.slice(0, 4), {
    itemsBucket: BUCKET,
    faults: { throwOnKeys: [good[1]] },
  });
  const report = JSON.parse((thrown as { output: string }).output) as ItemsReport<StationMonthlyMax>;
  assert.deepEqual(
    report.failed.map((f) => [f.index, f.error]),
    [[1, 'Weather.InjectedFault']],
  );
  assert.match(report.failed[0]!.cause, new RegExp(`${good[1]}: the fault test mode failed this item`));
  // A crashed thread fails the whole batch as Worker.Crashed (retryable), in both modes.
  for (const crashMode of ['exit', 'uncaught']) {
    const crashed = await runBatch(good.slice(4, 8), {
      itemsBucket: BUCKET,
      faults: { crashThreadOnKey: good[5], crashMode },
    });
    assert.equal(crashed.status, 'FAILED', crashMode);
    assert.equal((crashed as { error?: string }).error, 'Worker.Crashed', crashMode);
  }
  // With attempts: 1, a retry (attempt 1) runs clean.
  const retried = await runBatch(
    good.slice(4, 8),
    { itemsBucket: BUCKET, faults: { crashThreadOnKey: good[5], attempts: 1 } },
    { attempt: 1 },
  );
  assert.equal(retried.status, 'SUCCEEDED', JSON.stringify(retried));
  // A hanging item holds its batch until the deadline aborts it.
  const started = Date.now();
  const hung = await runBatch(
    good.slice(8, 10),
    { itemsBucket: BUCKET, faults: { hangOnKey: good[9] } },
    {},
    2,
  );
  assert.equal(hung.status, 'FAILED');
  assert.equal((hung as { error?: string }).error, 'Handler.Timeout');
  // The worker's deadline is the state's 2 s less its safety margin.
  assert.ok(Date.now() - started >= 900, 'it hung until the deadline');
});

test('a bad BatchInput fails the whole batch with Input.Invalid naming the field', async () => {
  const outcome = await runBatch([plan.objects[0]!.key], {
    itemsBucket: BUCKET,
    faults: { attempts: 0, hangOn: 'x' },
  });
  assert.equal(outcome.status, 'FAILED');
  assert.equal((outcome as { error?: string }).error, 'Input.Invalid');
  assert.match((outcome as { cause?: string }).cause!, /BatchInput\.faults\.hangOn: is not a field/);
  assert.match(
    (outcome as { cause?: string }).cause!,
    /BatchInput\.faults\.attempts: must be an integer >= 1/,
  );
});

test('the aggregate step reads a ResultWriter layout: the reference table, failures named, tolerance enforced', async () => {
  // GIVEN two succeeded batches and one failed batch, laid out as the ResultWriter writes them
  const keys = plan.objects.map((o) => o.key);
  const batches = [keys.slice(0, 10), keys.slice(10, 20)];
  const children = [];
  for (const batch of batches) {
    const outcome = await runBatch(batch, { itemsBucket: BUCKET });
    children.push({
      Input: JSON.stringify({ Items: batch.map((Key) => ({ Key })), BatchInput: {} }),
      Output: (outcome as { output: string }).output,
      Status: 'SUCCEEDED',
    });
  }
  const lost = keys.slice(20);
  const failedChild = {
    Input: JSON.stringify({ Items: lost.map((Key) => ({ Key })) }),
    Error: 'States.HeartbeatTimeout',
    Cause: 'the worker stopped heartbeating',
    Status: 'FAILED',
  };
  const put = (Key: string, body: unknown) =>
    s3.send(new PutObjectCommand({ Bucket: RESULTS, Key, Body: JSON.stringify(body) }));
  await put('results/run1/SUCCEEDED_0.json', children);
  await put('results/run1/FAILED_0.json', [failedChild]);
  await put('results/run1/manifest.json', {
    DestinationBucket: RESULTS,
    ResultFiles: {
      SUCCEEDED: [{ Key: 'results/run1/SUCCEEDED_0.json', Size: 1 }],
      FAILED: [{ Key: 'results/run1/FAILED_0.json', Size: 1 }],
      PENDING: [],
    },
  });
  const aggregate = (tolerated: number) =>
    backend.activities.schedule(
      aggregateArn,
      JSON.stringify({
        ResultWriterDetails: { Bucket: RESULTS, Key: 'results/run1/manifest.json' },
        BatchInput: { itemsBucket: BUCKET, toleratedFailurePercentage: tolerated },
      }),
      { heartbeatSeconds: 10, timeoutSeconds: 30 },
    );

  // WHEN aggregated with a 50 % tolerance
  const outcome = await aggregate(50);
  assert.equal(outcome.status, 'SUCCEEDED', JSON.stringify(outcome));
  const summary = JSON.parse((outcome as { output: string }).output) as WeatherSummary;

  // THEN the table is the reference over the files that were read
  const result = await readWeatherResult(s3, summary.resultUrl);
  assert.equal(summary.resultUrl, `s3://${RESULTS}/results/run1/weather-monthly-max.json`);
  assert.deepEqual(
    result.months.map(({ tmaxC: _, ...m }) => m),
    referenceMonthlyMaxima(plan, new Set(lost)),
  );
  // AND every failed file is named: the corrupt and missing ones in the good batches, all of the failed batch
  const bad = new Set([...written.corrupt.map((c) => c.key), ...written.missing]);
  const expectedFailed = [...new Set([...keys.slice(0, 20).filter((k) => bad.has(k)), ...lost])].sort();
  assert.deepEqual(
    result.failed.map((f) => f.key),
    expectedFailed,
  );
  assert.equal(result.failed.find((f) => f.key === lost[0])?.error, 'States.HeartbeatTimeout');
  assert.deepEqual(summary.files, {
    total: 24,
    succeeded: 24 - expectedFailed.length,
    failed: expectedFailed.length,
  });
  assert.equal(summary.batches, 3);
  assert.equal(summary.months, 12);
  const csv = await s3.send(
    new GetObjectCommand({
      Bucket: RESULTS,
      Key: 'results/run1/weather-monthly-max.csv',
    }),
  );
  assert.equal((await csv.Body!.transformToString()).split('\n').length, 12 + 2);

  // AND with a 5 % tolerance the step fails, naming the failed files
  const strict = await aggregate(5);
  assert.equal(strict.status, 'FAILED');
  assert.equal((strict as { error?: string }).error, 'Weather.TooManyFailedItems');
  assert.match(
    (strict as { cause?: string }).cause!,
    new RegExp(
      `${expectedFailed.length} of 24 files failed .* more than the 5 % tolerated: ${expectedFailed[0]}`,
    ),
  );
});

test('generate-dataset writes the files and the manifest through AWS_ENDPOINT_URL; bad arguments exit 2', async () => {
  const script = new URL('../src/generate-dataset.ts', import.meta.url).pathname;
  const run = promisify(execFile);
  const env = { ...process.env, AWS_ENDPOINT_URL: backend.url };
  // GIVEN 6 stations, 1 corrupt and 1 missing, into a bucket the script creates
  const { stdout } = await run(
    process.execPath,
    [
      script,
      '--bucket',
      'weather-cli',
      '--create-bucket',
      '--stations',
      '6',
      '--corrupt',
      '1',
      '--missing',
      '1',
      '--prefix',
      'd/',
    ],
    { env },
  );
  // THEN 5 objects are written, the manifest lists 6, and the damage is named
  assert.match(stdout, /^wrote 5 station files .* manifest s3:\/\/weather-cli\/d\.manifest\.json lists 6$/m);
  assert.match(stdout, /^ {2}corrupt \(malformed-row\): d\/.+\.csv$/m);
  assert.match(stdout, /^ {2}missing: d\/.+\.csv$/m);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'weather-cli', Prefix: 'd/' }));
  assert.equal(listed.KeyCount, 5);
  // AND a bad argument is a usage error
  await assert.rejects(
    run(process.execPath, [script, '--bucket', 'weather-cli', '--stations', 'many'], { env }),
    (error) => {
      const e = error as { code?: number; stderr?: string };
      assert.equal(e.code, 2);
      assert.match(e.stderr ?? '', /--stations must be a whole number, got "many"/);
      return true;
    },
  );
});
