/**
 * What must hold 9: an output over 262,144 bytes is written to S3 and a
 * `{"$stepfleetOutput": "s3://..."}` pointer returned; without a bucket the task fails
 * `Output.TooLarge`. Outputs at the limit go through unchanged.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { batchInput, fixture, startBackend, startWorker, testCredentials } from './helpers.ts';

test('a 300 KiB output goes to S3 as a pointer, or fails Output.TooLarge without a bucket', async (t) => {
  // GIVEN a bucket, and two workers on two activities: one with an output bucket, one without
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 1 }, [
    'with-bucket',
    'without-bucket',
  ]);
  const [withBucket, withoutBucket] = arns as [string, string];
  const s3 = new S3Client({
    endpoint: backend.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: testCredentials,
  });
  t.after(() => s3.destroy());
  await s3.send(new CreateBucketCommand({ Bucket: 'results' }));
  const common = { STEPFLEET_HANDLER: fixture('behaviors.ts'), STEPFLEET_THREADS: '1' };
  startWorker(t, backend, {
    ...common,
    STEPFLEET_ACTIVITY_ARN: withBucket,
    STEPFLEET_OUTPUT_BUCKET: 'results',
  });
  startWorker(t, backend, { ...common, STEPFLEET_ACTIVITY_ARN: withoutBucket });
  const big = batchInput(
    [1],
    { mode: 'big', bytes: 300 * 1024 },
    { executionId: 'arn:aws:states:us-east-1:000000000000:execution:sm:big-1' },
  );

  // WHEN a handler returns 300 KiB with a bucket configured
  const offloaded = await backend.activities.schedule(withBucket, big, { timeoutSeconds: 60 });

  // THEN the task output is a pointer to an object holding the whole output
  assert.equal(offloaded.status, 'SUCCEEDED');
  const pointer = JSON.parse(offloaded.status === 'SUCCEEDED' ? offloaded.output : '{}') as {
    $stepfleetOutput: string;
  };
  assert.match(pointer.$stepfleetOutput, /^s3:\/\/results\/stepfleet-output\/big-1\/[0-9a-f]{12}\.json$/);
  const key = pointer.$stepfleetOutput.slice('s3://results/'.length);
  const object = await s3.send(new GetObjectCommand({ Bucket: 'results', Key: key }));
  const stored = JSON.parse(await object.Body!.transformToString()) as { blob: string };
  assert.equal(stored.blob.length, 300 * 1024);

  // WHEN the same runs without a bucket
  const refused = await backend.activities.schedule(withoutBucket, big, { timeoutSeconds: 60 });
  // THEN it fails Output.TooLarge, saying how to fix it
  assert.equal(refused.status === 'FAILED' && refused.error, 'Output.TooLarge');
  assert.match(
    refused.status === 'FAILED' ? (refused.cause ?? '') : '',
    /over the Step Functions limit of 262144.*STEPFLEET_OUTPUT_BUCKET/,
  );

  // AND an output just under the limit goes through inline
  const inline = await backend.activities.schedule(
    withoutBucket,
    batchInput([1], { mode: 'big', bytes: 262_144 - 20 }),
    { timeoutSeconds: 60 },
  );
  assert.equal(inline.status, 'SUCCEEDED');
  assert.ok(inline.status === 'SUCCEEDED' && Buffer.byteLength(inline.output) <= 262_144);
});
