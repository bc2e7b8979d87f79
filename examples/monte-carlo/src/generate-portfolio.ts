/**
 * `node examples/monte-carlo/src/generate-portfolio.ts --bucket B [options]`: writes a seeded
 * synthetic portfolio to S3 (AWS, or the local backend when AWS_ENDPOINT_URL points at it).
 * Exit codes: 0 done, 1 a write failed, 2 bad arguments.
 */
import { parseArgs } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { writePortfolio } from './portfolio-writer.ts';

const USAGE = `usage: generate-portfolio --bucket NAME [--prefix portfolio/] [--count 10000] [--seed 1]
                          [--layout objects|jsonl] [--lines-per-file 10000] [--concurrency 16]
                          [--create-bucket]
Writes a synthetic loan portfolio to S3. Set AWS_ENDPOINT_URL to use the local backend.`;

function fail(message: string): never {
  process.stderr.write(`generate-portfolio: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function integer(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min)
    fail(`--${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
  return n;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        bucket: { type: 'string' },
        prefix: { type: 'string', default: 'portfolio/' },
        count: { type: 'string', default: '10000' },
        seed: { type: 'string', default: '1' },
        layout: { type: 'string', default: 'objects' },
        'lines-per-file': { type: 'string', default: '10000' },
        concurrency: { type: 'string', default: '16' },
        'create-bucket': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const bucket = values.bucket;
  if (typeof bucket !== 'string' || bucket === '') fail('--bucket is required');
  const layout = values.layout;
  if (layout !== 'objects' && layout !== 'jsonl')
    fail(`--layout must be objects or jsonl, got ${JSON.stringify(layout)}`);
  const seedText = String(values.seed);
  const seed = /^\d+$/.test(seedText) && Number.isSafeInteger(Number(seedText)) ? Number(seedText) : seedText;
  const count = integer('count', String(values.count), 1);
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  // A custom endpoint (the local backend) is addressed path-style.
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const client = new S3Client(endpoint ? { region, endpoint, forcePathStyle: true } : { region });
  try {
    if (values['create-bucket']) {
      await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: { name?: string }) => {
        if (error.name !== 'BucketAlreadyOwnedByYou') throw error;
      });
    }
    const started = performance.now();
    let lastReport = 0;
    const summary = await writePortfolio({
      client,
      bucket,
      prefix: String(values.prefix),
      count,
      seed,
      layout,
      linesPerFile: integer('lines-per-file', String(values['lines-per-file']), 1),
      concurrency: integer('concurrency', String(values.concurrency), 1),
      onProgress: (n) => {
        if (n - lastReport >= Math.max(1000, count / 20) || n === count) {
          lastReport = n;
          process.stderr.write(`${n} / ${count} loans\n`);
        }
      },
    });
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `wrote ${summary.loans} loans in ${summary.objects} objects (${(summary.bytes / 1e6).toFixed(1)} MB) to s3://${bucket}/${values.prefix} in ${seconds.toFixed(1)} s\n`,
    );
  } finally {
    client.destroy();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`generate-portfolio: ${error.name}: ${error.message}\n`);
  process.exitCode = 1;
});
