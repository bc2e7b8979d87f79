/**
 * The I/O around the model, against the local backend's S3 with the real AWS SDK client: the
 * portfolio writer, the batch handler reading loans by key (one object per loan, and JSONL
 * files), spilling a large batch output to S3, and the aggregate handler reading a ResultWriter
 * layout. The handlers are called with a context object holding the worker SDK's real S3
 * helpers, as the worker would.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type BackendWithClients, startBackendWithClients } from '@stepfleet/local/test-support';
import { createS3Helpers } from '@stepfleet/worker';
import type { HandlerDefinition } from '@stepfleet/worker/handler';
import { aggregateBatches } from '../src/aggregate.ts';
import aggregateHandler, { type AggregateSummary } from '../src/aggregate-handler.ts';
import { type BatchResult, runBatch } from '../src/batch.ts';
import { BATCH_REF_FORMAT, type BatchOutput } from '../src/batch-output.ts';
import batchHandler from '../src/handler.ts';
import { generatePortfolio } from '../src/portfolio.ts';
import { loanObjectKey, writePortfolio } from '../src/portfolio-writer.ts';
import { readPortfolioResult } from '../src/result-store.ts';
import { resolveSimulationInput } from '../src/simulation-input.ts';

const BUCKET = 'mc-test';
let stack: BackendWithClients;
let client: S3Client;

before(async () => {
  stack = await startBackendWithClients({}, [BUCKET]);
  client = stack.s3;
});

after(() => stack?.close());

const quietLog = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLog };

/** Calls a handler definition as the worker's thread would, with the real S3 helpers. */
async function call<T>(
  definition: HandlerDefinition,
  input: { items?: unknown[]; batchInput?: unknown; plain?: unknown },
  defaultBucket: string | null = BUCKET,
): Promise<T> {
  const s3 = createS3Helpers(async () => client, defaultBucket);
  const context = {
    signal: new AbortController().signal,
    log: quietLog,
    seed: '0'.repeat(64),
    random: Math.random,
    heartbeat() {},
    task: undefined,
    deadline: null,
    s3,
    items: input.items ?? [],
    batchInput: input.batchInput,
  };
  if (definition['~stepfleet'] === 'batch') return (await definition.fn(context)) as T;
  if (definition['~stepfleet'] === 'plain') return (await definition.fn(input.plain, context)) as T;
  throw new Error('unexpected handler kind');
}

async function listKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

test('the writer streams one object per loan; the batch handler reads them by key and matches inline loans', async () => {
  // GIVEN 120 loans written one object each (workshop layout), 8 PUTs in flight
  const progress: number[] = [];
  const summary = await writePortfolio({
    client,
    bucket: BUCKET,
    prefix: 'objects/',
    count: 120,
    seed: 'pf',
    concurrency: 8,
    onProgress: (n) => progress.push(n),
  });
  assert.equal(summary.objects, 120);
  assert.equal(progress.at(-1), 120);
  const keys = await listKeys('objects/loans/');
  assert.equal(keys.length, 120);
  assert.equal(keys[7], loanObjectKey('objects/', 7, 120));
  assert.equal(keys[7], 'objects/loans/000007.json');

  // WHEN a batch of 40 listing entries ({ Key, Size }) runs through the handler
  const batchInput = { seed: 11, draws: 300 };
  const items = keys.slice(40, 80).map((Key) => ({ Key, Size: 1 }));
  const byKey = await call<BatchResult>(batchHandler, { items, batchInput });

  // THEN it equals the same loans given inline
  const loans = [...generatePortfolio('pf', 40, 80)];
  assert.deepEqual(byKey, runBatch(loans, resolveSimulationInput(batchInput)));
  assert.deepEqual(await call<BatchResult>(batchHandler, { items: loans, batchInput }), byKey);
  // AND with no default bucket in the worker, BatchInput.itemsBucket names it
  assert.deepEqual(
    await call<BatchResult>(
      batchHandler,
      { items, batchInput: { ...batchInput, itemsBucket: BUCKET } },
      null,
    ),
    byKey,
  );
  await assert.rejects(
    call(batchHandler, { items, batchInput }, null),
    /no bucket for S3 key objects\/loans\/000040.json/,
  );
});

test('JSONL files: the writer splits the portfolio into files, the handler reads a whole file as a batch', async () => {
  const summary = await writePortfolio({
    client,
    bucket: BUCKET,
    prefix: 'jsonl/',
    count: 250,
    seed: 'pf',
    layout: 'jsonl',
    linesPerFile: 100,
  });
  assert.deepEqual(summary.keys, [
    'jsonl/loans-00000.jsonl',
    'jsonl/loans-00001.jsonl',
    'jsonl/loans-00002.jsonl',
  ]);
  const batchInput = { seed: 11, draws: 200 };
  const fromFile = await call<BatchResult>(batchHandler, {
    items: [{ Key: 'jsonl/loans-00002.jsonl' }],
    batchInput,
  });
  assert.equal(fromFile.loanCount, 50);
  assert.deepEqual(
    fromFile,
    runBatch([...generatePortfolio('pf', 200, 250)], resolveSimulationInput(batchInput)),
  );
});

test('bad items fail the batch with the loan and field named', async () => {
  await client.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: 'bad/loans-0.jsonl', Body: '{"id":"X1","type":"boat"}\n' }),
  );
  await assert.rejects(
    call(batchHandler, { items: [{ Key: 'bad/loans-0.jsonl' }], batchInput: { seed: 1 } }),
    /bad\/loans-0.jsonl line 1|loan "X1": type must be one of/,
  );
  await assert.rejects(
    call(batchHandler, { items: [{ id: 'A' }], batchInput: { seed: 1 } }),
    /loan "A": type must be one of/,
  );
  await assert.rejects(
    call(batchHandler, { items: [], batchInput: { draws: 5 } }),
    /BatchInput.seed is required/,
  );
});

test('a batch output over the activity limit goes to S3; the aggregate handler reads a ResultWriter layout', async () => {
  // GIVEN 600 loans in three batches with 20,000 draws: each output is far over 256 KiB
  const loans = [...generatePortfolio('big', 0, 600)];
  const batchInput = { seed: 5, draws: 20_000, spill: { prefix: 'spill/' } };
  const outputs: BatchOutput[] = [];
  for (let b = 0; b < 3; b++) {
    outputs.push(
      await call<BatchOutput>(batchHandler, { items: loans.slice(b * 200, (b + 1) * 200), batchInput }),
    );
  }
  // THEN each is a reference, under the spill prefix, and its JSON fits the limit easily
  for (const o of outputs) {
    assert.equal(o.format, BATCH_REF_FORMAT);
    assert.ok(JSON.stringify(o).length < 1000);
    assert.match((o as { url: string }).url, /^s3:\/\/mc-test\/spill\/[0-9a-f]{16}\/[0-9a-f]{16}-200\.json$/);
  }

  // WHEN the outputs sit in a ResultWriter layout (two SUCCEEDED files), as the Map Run leaves them
  const entry = (o: BatchOutput): object => ({
    ExecutionArn: 'arn:x',
    Input: '{}',
    Output: JSON.stringify(o),
    Status: 'SUCCEEDED',
  });
  const put = (Key: string, body: unknown): Promise<unknown> =>
    client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: JSON.stringify(body) }));
  await put('results/run1/SUCCEEDED_0.json', [entry(outputs[2]!), entry(outputs[0]!)]);
  await put('results/run1/SUCCEEDED_1.json', [entry(outputs[1]!)]);
  await put('results/run1/manifest.json', {
    DestinationBucket: BUCKET,
    MapRunArn: 'arn:x',
    ResultFiles: {
      FAILED: [],
      PENDING: [],
      SUCCEEDED: [
        { Key: 'results/run1/SUCCEEDED_0.json', Size: 1 },
        { Key: 'results/run1/SUCCEEDED_1.json', Size: 1 },
      ],
    },
  });
  const summary = await call<AggregateSummary>(aggregateHandler, {
    plain: {
      ResultWriterDetails: { Bucket: BUCKET, Key: 'results/run1/manifest.json' },
      BatchInput: batchInput,
    },
  });

  // THEN the summary and the stored result equal the in-process aggregation of all 600 loans
  const expected = aggregateBatches(resolveSimulationInput(batchInput), [
    runBatch(loans, resolveSimulationInput(batchInput)),
  ]);
  assert.equal(summary.loanCount, 600);
  assert.equal(summary.batches, 3);
  assert.equal(summary.resultUrl, 's3://mc-test/results/run1/monte-carlo-result.json');
  assert.deepEqual(
    summary.scenarios.map((s) => s.lossesSha256),
    expected.scenarios.map((s) => s.lossesSha256),
  );
  const s3 = createS3Helpers(async () => client, BUCKET);
  const stored = await readPortfolioResult(client, summary.resultUrl);
  assert.deepEqual(stored, JSON.parse(JSON.stringify(expected)));
  await assert.rejects(
    readPortfolioResult(client, 's3://mc-test/results/run1/manifest.json'),
    /is not a Monte Carlo result/,
  );
  assert.match(await s3.getText('results/run1/monte-carlo-report.html'), /<svg[^>]*role="img"/);

  // AND with perLoanPds, every loan's PDs land in one JSONL object sorted by id
  const withPds = { ...batchInput, draws: 50, perLoanPds: true };
  const small = [
    await call<BatchOutput>(batchHandler, { items: loans.slice(3, 6), batchInput: withPds }),
    await call<BatchOutput>(batchHandler, { items: loans.slice(0, 3), batchInput: withPds }),
  ];
  await put('results/run3/SUCCEEDED_0.json', small.map(entry));
  await put('results/run3/manifest.json', {
    DestinationBucket: BUCKET,
    ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [{ Key: 'results/run3/SUCCEEDED_0.json', Size: 1 }] },
  });
  const pdSummary = await call<AggregateSummary>(aggregateHandler, {
    plain: {
      ResultWriterDetails: { Bucket: BUCKET, Key: 'results/run3/manifest.json' },
      BatchInput: withPds,
    },
  });
  const pdLines = (await s3.getText('results/run3/monte-carlo-loan-pds.jsonl'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(pdSummary.loanPdsUrl, 's3://mc-test/results/run3/monte-carlo-loan-pds.jsonl');
  assert.deepEqual(
    pdLines.map((l) => l.id),
    loans.slice(0, 6).map((l) => l.id),
  );
  assert.equal(pdLines[0].pds.length, 4);
  assert.equal(summary.loanPdsUrl, undefined);

  // AND a Map Run with failed batches is refused rather than summed short
  await put('results/run2/FAILED_0.json', [{ Status: 'FAILED' }]);
  await put('results/run2/manifest.json', {
    DestinationBucket: BUCKET,
    ResultFiles: { FAILED: [{ Key: 'results/run2/FAILED_0.json', Size: 20 }], PENDING: [], SUCCEEDED: [] },
  });
  await assert.rejects(
    call(aggregateHandler, {
      plain: {
        ResultWriterDetails: { Bucket: BUCKET, Key: 'results/run2/manifest.json' },
        BatchInput: batchInput,
      },
    }),
    /the Map Run has FAILED batches/,
  );
});
