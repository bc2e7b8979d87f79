/**
 * The Monte Carlo job at the fault suite's size, through the CLI's bundled job module, and its
 * undisturbed result computed once per process (per test file) from the same loans and seed;
 * and its damaged input (a malformed loan row written over the generated portfolio).
 */
import assert from 'node:assert/strict';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  aggregateBatches,
  generatePortfolio,
  loanFileKey,
  type PortfolioResult,
  readPortfolioResult,
  resolveSimulationInput,
  runBatch,
} from '@stepfleet/example-monte-carlo';
import { type JobPlan, loadJobModule } from 'stepfleet';
import { assertFleetEndsAtZero, type ExecutionRun, type FaultSuite } from './fault-suite.ts';
import { assertEachItemOnce, readMapRunResults } from './result-writer.ts';

/** The suite's size: 40 JSONL items of 10 loans, 500 draws: a few seconds on 2 cores. */
export const MONTE_CARLO_SIZE = {
  loans: 400,
  loansPerBatch: 10,
  draws: 500,
  seed: '8',
  workers: 3,
  threads: 2,
};

/**
 * The plan every Monte Carlo scenario runs (the same data: only the first one writes it). A
 * number of `loans` other than the suite's is another portfolio, with no reference result.
 */
export async function monteCarloPlan(overrides: { workers?: number; loans?: number } = {}): Promise<JobPlan> {
  const job = await loadJobModule('monte-carlo');
  return job.plan({
    target: 'local',
    items: overrides.loans ?? MONTE_CARLO_SIZE.loans,
    size: MONTE_CARLO_SIZE.draws,
    batchSize: MONTE_CARLO_SIZE.loansPerBatch,
    seed: MONTE_CARLO_SIZE.seed,
    workers: overrides.workers ?? MONTE_CARLO_SIZE.workers,
    // Two handler threads per worker: several batches in flight on each, as a real fleet runs.
    threads: MONTE_CARLO_SIZE.threads,
  });
}

let reference: string | undefined;

/** The result of the same job computed in this process, in one batch, with no fleet at all. */
export function monteCarloReference(plan: JobPlan): string {
  if (reference === undefined) {
    const settings = resolveSimulationInput(plan.spec.batching.batchInput);
    const loans = [...generatePortfolio(Number(MONTE_CARLO_SIZE.seed), 0, MONTE_CARLO_SIZE.loans)];
    reference = JSON.stringify(aggregateBatches(settings, [runBatch(loans, settings)]));
  }
  return reference;
}

/** A plan whose data has a malformed loan row, and the object that holds it. */
export interface CorruptPortfolio {
  readonly plan: JobPlan;
  /** The JSONL object with the malformed row. */
  readonly key: string;
  /** The row's line number (1-based), as an error names it. */
  readonly line: number;
}

/**
 * `plan` with one loan row of its portfolio cut mid-record (a torn write): its `prepare` writes
 * the portfolio as usual, then rewrites JSONL file `file` with row `line` (1-based) truncated.
 */
export function withCorruptLoanRow(plan: JobPlan, file: number, line: number): CorruptPortfolio {
  const { items } = plan.spec;
  assert.equal(items.type, 's3-objects');
  assert.ok(items.prefix?.endsWith('loans-') && items.bucket, 'a local JSONL portfolio');
  const key = loanFileKey(items.prefix.slice(0, -'loans-'.length), file);
  const Bucket = items.bucket;
  const prepare = plan.prepare;
  assert.ok(prepare, 'a local plan writes its data');
  return {
    key,
    line,
    plan: {
      ...plan,
      async prepare(context) {
        const summary = await prepare.call(plan, context);
        const object = await context.s3.send(new GetObjectCommand({ Bucket, Key: key }));
        const rows = (await object.Body!.transformToString()).split('\n');
        assert.ok(rows.length > line, `${key} has a row ${line}`);
        rows[line - 1] = rows[line - 1]!.slice(0, 60);
        await context.s3.send(new PutObjectCommand({ Bucket, Key: key, Body: rows.join('\n') }));
        return `${summary ?? ''} (row ${line} of ${key} malformed)`;
      },
    },
  };
}

/** The keys of the run's items: the JSONL files of the portfolio. */
export async function monteCarloItemKeys(s3: S3Client, plan: JobPlan): Promise<string[]> {
  const { items } = plan.spec;
  assert.equal(items.type, 's3-objects');
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: items.bucket!, Prefix: items.prefix }));
  return (listed.Contents ?? []).map((object) => object.Key!);
}

/**
 * The checks of a Monte Carlo run that promised success: SUCCEEDED, every item's result once
 * in the ResultWriter output, the stored result equal to the reference bit for bit, the fleet
 * at 0 and its processes gone. Returns the stored result.
 */
export async function assertMonteCarloIntact(
  suite: FaultSuite,
  run: ExecutionRun,
  plan: JobPlan,
  s3: S3Client,
): Promise<PortfolioResult> {
  assert.equal(run.status, 'SUCCEEDED', `${run.error}: ${run.cause}\n${run.log}`);
  assert.ok(run.manifest, 'the Map Run wrote its results');
  const results = await readMapRunResults(s3, run.manifest);
  assertEachItemOnce(results, await monteCarloItemKeys(s3, plan));
  run.figures.items = MONTE_CARLO_SIZE.loans;
  const summary = (run.output as { result: { resultUrl: string; loanCount: number } }).result;
  assert.equal(summary.loanCount, MONTE_CARLO_SIZE.loans, 'every loan counted once');
  const result = await readPortfolioResult(s3, summary.resultUrl);
  assert.equal(
    JSON.stringify(result),
    monteCarloReference(plan),
    'the result equals the undisturbed one, bit for bit',
  );
  await assertFleetEndsAtZero(suite, run);
  return result;
}
