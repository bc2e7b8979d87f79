/**
 * The streaming JSON array scanner (elements across any chunk boundary, malformed input named
 * by byte offset), `s3.getStream`, and the ResultWriter reader against the local backend's S3
 * with the real AWS SDK client: manifest, the three kinds of file, offloaded outputs followed,
 * bad manifests and files named.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type LocalBackend, startLocalBackend } from '@stepfleet/local';
import {
  createS3Helpers,
  jsonArrayElements,
  type MapRunResult,
  ResultWriterError,
  readMapRunResults,
} from '@stepfleet/worker';

/** Every value of an async iterable (Array.fromAsync is newer than the repo's TypeScript lib). */
async function collect<T>(values: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of values) out.push(value);
  return out;
}

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Scans `text` cut into chunks of `size` bytes. */
async function scan(text: string, size = Number.POSITIVE_INFINITY): Promise<unknown[]> {
  const bytes = encode(text);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += Math.min(size, bytes.length))
    chunks.push(bytes.subarray(at, at + size));
  return collect(jsonArrayElements(chunks));
}

const tricky = [
  { Output: '{"a":[1,2,{"b":"]"}]}', Input: 'quote \\" and , comma' },
  [1, [2, [3]]],
  'a string with } and ] and \\\\ and \\"',
  42,
  -1.5e3,
  null,
  true,
  { nested: { deep: ['x', { y: 'ü€𝄞' }] } },
  {},
  [],
];

test('elements come out parsed and in order, however the bytes are cut', async () => {
  const text = JSON.stringify(tricky, null, 1);
  for (const size of [1, 2, 3, 7, 64, Number.POSITIVE_INFINITY]) {
    assert.deepEqual(await scan(text, size), tricky, `chunks of ${size}`);
  }
  assert.deepEqual(await scan(' \n[ 1 , 2 ]\n '), [1, 2]);
  assert.deepEqual(await scan('[]'), []);
  assert.deepEqual(await scan('\uFEFF[true]', 1), [true]);
});

test('what is not one JSON array is refused with the byte offset', async () => {
  await assert.rejects(scan('{"a":1}'), /expected a JSON array at byte 0/);
  await assert.rejects(scan(''), /got no data/);
  await assert.rejects(scan('[1,2', 1), /not closed/);
  await assert.rejects(scan('[1,,2]'), /unexpected ',' at byte 3/);
  await assert.rejects(scan('[1,]'), /unexpected '\]' after ',' at byte 3/);
  await assert.rejects(scan('[1] x', 2), /unexpected data after the array at byte 4/);
  await assert.rejects(scan('[1, {"a":}]'), /element 1 \(at byte 4\)/);
});

const BUCKET = 'results';
let backend: LocalBackend;
let client: S3Client;

before(async () => {
  backend = await startLocalBackend({ port: 0 });
  client = new S3Client({
    endpoint: backend.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

after(async () => {
  client.destroy();
  await backend.close();
});

const put = (key: string, body: string) =>
  client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

test('getStream streams an object; a missing one rejects', async () => {
  const s3 = createS3Helpers(async () => client, BUCKET);
  const body = 'x'.repeat(300_000);
  await put('big.txt', body);
  const chunks: Buffer[] = [];
  for await (const chunk of await s3.getStream('big.txt')) chunks.push(chunk as Buffer);
  assert.equal(Buffer.concat(chunks).toString(), body);
  await assert.rejects(s3.getStream('missing.txt'), /NoSuchKey|does not exist/);
});

test('a Map Run: every execution of every file, outputs parsed and offloaded ones followed', async () => {
  // GIVEN a ResultWriter layout: two SUCCEEDED files (one output offloaded), a FAILED and a PENDING file
  const s3 = createS3Helpers(async () => client, BUCKET);
  const run = 'run1/';
  const succeeded = (sum: number) => ({
    Status: 'SUCCEEDED',
    Input: '{"Items":[1]}',
    Output: JSON.stringify({ sum }),
  });
  await put(`${run}SUCCEEDED_0.json`, JSON.stringify(Array.from({ length: 500 }, (_, i) => succeeded(i))));
  await put(`${run}offloaded.json`, JSON.stringify({ sum: 1000 }));
  await put(
    `${run}SUCCEEDED_1.json`,
    JSON.stringify([
      {
        Status: 'SUCCEEDED',
        Output: JSON.stringify({ $stepfleetOutput: `s3://${BUCKET}/${run}offloaded.json` }),
      },
    ]),
  );
  await put(
    `${run}FAILED_0.json`,
    JSON.stringify([{ Status: 'FAILED', Error: 'Boom', Cause: 'bad', Input: '{}' }]),
  );
  await put(`${run}PENDING_0.json`, '[]');
  await put(
    `${run}manifest.json`,
    JSON.stringify({
      DestinationBucket: BUCKET,
      MapRunArn: 'arn:aws:states:us-east-1:000000000000:mapRun:sm/map:1',
      ResultFiles: {
        SUCCEEDED: [{ Key: `${run}SUCCEEDED_0.json` }, { Key: `${run}SUCCEEDED_1.json` }],
        FAILED: [{ Key: `${run}FAILED_0.json` }],
        PENDING: [{ Key: `${run}PENDING_0.json` }],
      },
    }),
  );

  // WHEN it is read
  const results: MapRunResult[] = await collect(
    readMapRunResults(s3, { Bucket: BUCKET, Key: `${run}manifest.json` }),
  );

  // THEN every execution comes once, in file order, with its output parsed (and followed)
  assert.equal(results.length, 502);
  const sums = results.filter((r) => r.kind === 'SUCCEEDED').map((r) => (r.output as { sum: number }).sum);
  assert.deepEqual(sums, [...Array.from({ length: 500 }, (_, i) => i), 1000]);
  const failed = results.at(-1) as MapRunResult;
  assert.equal(failed.kind, 'FAILED');
  assert.equal(failed.execution.Error, 'Boom');
  assert.equal(failed.output, undefined);
  assert.deepEqual(failed.file, { Bucket: BUCKET, Key: `${run}FAILED_0.json` });
  assert.equal(results[7]?.index, 7);

  // AND kinds and followOffloaded narrow it
  const onlyFailed = await collect(
    readMapRunResults(s3, { Bucket: BUCKET, Key: `${run}manifest.json` }, { kinds: ['FAILED'] }),
  );
  assert.deepEqual(
    onlyFailed.map((r) => r.kind),
    ['FAILED'],
  );
  const pointers = await collect(
    readMapRunResults(s3, { Bucket: BUCKET, Key: `${run}manifest.json` }, { followOffloaded: false }),
  );
  assert.match(JSON.stringify(pointers[500]?.output), /\$stepfleetOutput/);

  // AND a consumer may stop early
  for await (const _ of readMapRunResults(s3, { Bucket: BUCKET, Key: `${run}manifest.json` })) break;
});

test('a bad manifest or result file is named in a ResultWriterError', async () => {
  const s3 = createS3Helpers(async () => client, BUCKET);
  const read = (key: string) => collect(readMapRunResults(s3, { Bucket: BUCKET, Key: key }));
  await put('bad/manifest.json', '{"ResultFiles": {}}');
  await assert.rejects(
    read('bad/manifest.json'),
    (e) => e instanceof ResultWriterError && /no ResultFiles\.SUCCEEDED/.test(e.message),
  );
  await put('bad/not-json.json', '{');
  await assert.rejects(read('bad/not-json.json'), /s3:\/\/results\/bad\/not-json\.json is not JSON/);
  await put('bad/SUCCEEDED_0.json', '[{"Output": "{}"}, 7]');
  await put('bad/m2.json', JSON.stringify({ ResultFiles: { SUCCEEDED: [{ Key: 'bad/SUCCEEDED_0.json' }] } }));
  await assert.rejects(read('bad/m2.json'), /bad\/SUCCEEDED_0\.json: element 1 is not an execution object/);
  await put('bad/SUCCEEDED_1.json', '[{"Output": "{nope"}]');
  await put('bad/m3.json', JSON.stringify({ ResultFiles: { SUCCEEDED: [{ Key: 'bad/SUCCEEDED_1.json' }] } }));
  await assert.rejects(read('bad/m3.json'), /bad\/SUCCEEDED_1\.json\[0\]: Output is not JSON/);
  await put('bad/SUCCEEDED_2.json', '[{"Output": "{}"} {}]');
  await put('bad/m4.json', JSON.stringify({ ResultFiles: { SUCCEEDED: [{ Key: 'bad/SUCCEEDED_2.json' }] } }));
  await assert.rejects(read('bad/m4.json'), /bad\/SUCCEEDED_2\.json is not a JSON array of executions/);
});
