/**
 * The example on the real stack: the local backend runs a Distributed Map over the portfolio's
 * S3 objects (ItemReader listObjectsV2, ItemBatcher, ResultWriter) and an aggregate Task; a
 * stepfleet worker serves both activities with this example's handler modules in its worker
 * threads. Two runs with different batch sizes and concurrency give the same result, bit for bit.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { startWorkerBackend, type WorkerBackend } from 'stepfleet/test-support';
import { aggregateBatches } from '../src/aggregate.ts';
import type { AggregateSummary } from '../src/aggregate-handler.ts';
import { runBatch } from '../src/batch.ts';
import { MONTE_CARLO_HANDLERS } from '../src/job.ts';
import { generatePortfolio } from '../src/portfolio.ts';
import { writePortfolio } from '../src/portfolio-writer.ts';
import { readPortfolioResult } from '../src/result-store.ts';
import { resolveSimulationInput } from '../src/simulation-input.ts';

const ROOT = new URL('../../../', import.meta.url);
const LOANS = 240;
const BATCH_INPUT = {
  seed: 77,
  draws: 1500,
  itemsBucket: 'input',
  spill: { bucket: 'results', prefix: 'spill/' },
};

let stack: WorkerBackend;
let sfn: SFNClient;
let s3: S3Client;
let batchArn: string;
let aggregateArn: string;

before(async () => {
  stack = await startWorkerBackend({
    buckets: ['input', 'results'],
    activities: [
      { name: 'mc-batch', handler: new URL(MONTE_CARLO_HANDLERS.source.batch, ROOT) },
      { name: 'mc-aggregate', handler: new URL(MONTE_CARLO_HANDLERS.source.aggregate, ROOT), pollers: 1 },
    ],
    threads: 2,
    tasksPerThread: 2,
    logLevel: 'warn',
  });
  ({ sfn, s3 } = stack);
  [batchArn, aggregateArn] = stack.activityArns as [string, string];
  await writePortfolio({ client: s3, bucket: 'input', prefix: 'portfolio/', count: LOANS, seed: 'e2e' });
});

after(() => stack?.close());

/** The map and aggregate states of the generated definition, with the batching under test. */
function definition(maxItemsPerBatch: number, maxConcurrency: number, prefix: string): string {
  return JSON.stringify({
    StartAt: 'Map',
    States: {
      Map: {
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:listObjectsV2',
          Parameters: { Bucket: 'input', Prefix: 'portfolio/loans/' },
        },
        ItemBatcher: { MaxItemsPerBatch: maxItemsPerBatch, BatchInput: BATCH_INPUT },
        MaxConcurrency: maxConcurrency,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Batch',
          States: {
            Batch: {
              Type: 'Task',
              Resource: batchArn,
              Parameters: { 'Items.$': '$.Items', 'BatchInput.$': '$.BatchInput' },
              HeartbeatSeconds: 30,
              TimeoutSeconds: 300,
              End: true,
            },
          },
        },
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'results', Prefix: prefix },
        },
        ResultPath: '$.mapRun',
        Next: 'Aggregate',
      },
      Aggregate: {
        Type: 'Task',
        Resource: aggregateArn,
        Parameters: { 'ResultWriterDetails.$': '$.mapRun.ResultWriterDetails', BatchInput: BATCH_INPUT },
        HeartbeatSeconds: 60,
        TimeoutSeconds: 300,
        End: true,
      },
    },
  });
}

async function runJob(
  maxItemsPerBatch: number,
  maxConcurrency: number,
  name: string,
): Promise<AggregateSummary> {
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({
      name,
      definition: definition(maxItemsPerBatch, maxConcurrency, name),
      roleArn: 'arn:aws:iam::000000000000:role/test',
    }),
  );
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{}' }));
  for (const deadline = Date.now() + 90_000; Date.now() < deadline; ) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status === 'SUCCEEDED') return JSON.parse(d.output!) as AggregateSummary;
    if (d.status !== 'RUNNING') throw new Error(`execution ${d.status}: ${d.error} ${d.cause}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('execution did not finish in 90 s');
}

test('a Distributed Map run of the example gives the same result for any batch size and concurrency', async () => {
  // GIVEN the same portfolio and seed, WHEN run in batches of 7 (2 at once) and of 100 (6 at once)
  const small = await runJob(7, 2, 'mc-small');
  const large = await runJob(100, 6, 'mc-large');
  // THEN every loan is counted once, in 35 and 3 batches
  assert.equal(small.loanCount, LOANS);
  assert.equal(small.batches, Math.ceil(LOANS / 7));
  assert.equal(large.batches, Math.ceil(LOANS / 100));
  // AND the stored results are identical, byte for byte
  const a = await readPortfolioResult(s3, small.resultUrl);
  const b = await readPortfolioResult(s3, large.resultUrl);
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  // AND equal to the in-process computation over the same loans
  const settings = resolveSimulationInput(BATCH_INPUT);
  const expected = aggregateBatches(settings, [runBatch([...generatePortfolio('e2e', 0, LOANS)], settings)]);
  assert.equal(JSON.stringify(a), JSON.stringify(expected));
  assert.match(small.reportUrl, /^s3:\/\/results\/mc-small\/.+\/monte-carlo-report\.html$/);
});
