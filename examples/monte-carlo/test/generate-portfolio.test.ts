import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { type LocalBackend, startLocalBackend } from '@stepfleet/local';

const SCRIPT = new URL('../src/generate-portfolio.ts', import.meta.url).pathname;
let backend: LocalBackend;

before(async () => {
  backend = await startLocalBackend({ port: 0 });
});
after(() => backend.close());

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], {
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: backend.url,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the generator command writes the portfolio to the local backend', async () => {
  const { code, stdout } = await run([
    '--bucket',
    'gen',
    '--create-bucket',
    '--count',
    '25',
    '--prefix',
    'p/',
    '--seed',
    '9',
  ]);
  assert.equal(code, 0);
  assert.match(stdout, /wrote 25 loans in 25 objects/);
  const client = new S3Client({
    endpoint: backend.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const listed = await client.send(new ListObjectsV2Command({ Bucket: 'gen', Prefix: 'p/loans/' }));
  client.destroy();
  assert.equal(listed.KeyCount, 25);
});

test('bad arguments exit 2 with the problem named; a missing bucket exits 1', async () => {
  const noBucket = await run(['--count', '5']);
  assert.equal(noBucket.code, 2);
  assert.match(noBucket.stderr, /--bucket is required/);
  const badCount = await run(['--bucket', 'gen', '--count', 'many']);
  assert.equal(badCount.code, 2);
  assert.match(badCount.stderr, /--count must be an integer >= 1, got "many"/);
  const unknown = await run(['--bucket', 'gen', '--frobnicate']);
  assert.equal(unknown.code, 2);
  const missing = await run(['--bucket', 'no-such-bucket', '--count', '2']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /NoSuchBucket/);
});
