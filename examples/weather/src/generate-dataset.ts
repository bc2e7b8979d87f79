/**
 * `node examples/weather/src/generate-dataset.ts --bucket B [options]`: writes a seeded synthetic
 * GHCN-Daily-style dataset (one CSV per station and year) and its manifest to S3 (AWS, or the
 * local backend when AWS_ENDPOINT_URL points at it). Exit codes: 0 done, 1 a write failed, 2 bad
 * arguments.
 */
import { parseArgs } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CORRUPTION_KINDS, type CorruptionKind } from './corruption.ts';
import { writeDataset } from './dataset-writer.ts';
import { WEATHER_PREFIX } from './job.ts';

const USAGE = `usage: generate-dataset --bucket NAME [--prefix ${WEATHER_PREFIX}] [--stations 200] [--years 1]
                        [--first-year 2020] [--seed 1] [--corrupt 0] [--corrupt-kinds k1,k2]
                        [--missing 0] [--concurrency 16] [--create-bucket]
Writes station-year CSV files and a manifest to S3. Set AWS_ENDPOINT_URL to use the local backend.
Corruption kinds: ${CORRUPTION_KINDS.join(', ')}.`;

function fail(message: string): never {
  process.stderr.write(`generate-dataset: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function integer(name: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n))
    fail(`--${name} must be a whole number, got ${JSON.stringify(text)}`);
  return n;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        bucket: { type: 'string' },
        prefix: { type: 'string', default: WEATHER_PREFIX },
        stations: { type: 'string', default: '200' },
        years: { type: 'string', default: '1' },
        'first-year': { type: 'string', default: '2020' },
        seed: { type: 'string', default: '1' },
        corrupt: { type: 'string', default: '0' },
        'corrupt-kinds': { type: 'string' },
        missing: { type: 'string', default: '0' },
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
  const kinds =
    values['corrupt-kinds'] === undefined ? undefined : String(values['corrupt-kinds']).split(',');
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // A custom endpoint (the local backend) is addressed path-style.
  const client = new S3Client(endpoint ? { region, endpoint, forcePathStyle: true } : { region });
  try {
    if (values['create-bucket']) {
      await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: { name?: string }) => {
        if (error.name !== 'BucketAlreadyOwnedByYou') throw error;
      });
    }
    const started = performance.now();
    let summary: Awaited<ReturnType<typeof writeDataset>>;
    try {
      summary = await writeDataset({
        client,
        bucket,
        prefix: String(values.prefix),
        stations: integer('stations', String(values.stations)),
        years: integer('years', String(values.years)),
        firstYear: integer('first-year', String(values['first-year'])),
        seed: String(values.seed),
        corrupt: integer('corrupt', String(values.corrupt)),
        ...(kinds ? { corruptKinds: kinds as CorruptionKind[] } : {}),
        missing: integer('missing', String(values.missing)),
        concurrency: integer('concurrency', String(values.concurrency)),
      });
    } catch (error) {
      if (error instanceof RangeError) fail(error.message);
      throw error;
    }
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `wrote ${summary.written} station files (${(summary.bytes / 1e6).toFixed(1)} MB) of ${summary.stations} stations to s3://${bucket}/${summary.prefix} in ${seconds.toFixed(1)} s; manifest s3://${bucket}/${summary.manifestKey} lists ${summary.listed}\n`,
    );
    for (const c of summary.corrupt) process.stdout.write(`  corrupt (${c.kind}): ${c.key}\n`);
    for (const key of summary.missing) process.stdout.write(`  missing: ${key}\n`);
  } finally {
    client.destroy();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`generate-dataset: ${error.name}: ${error.message}\n`);
  process.exitCode = 1;
});
