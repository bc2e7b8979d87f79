/**
 * Baseline worker, in the style of the Step Functions workshop's Python worker written in
 * TypeScript: GetActivityTask, process the items one at a time, SendTaskSuccess, repeat. No
 * heartbeats, no concurrency. BENCH_MODE `noop` does nothing per task; `s3` gets, transforms
 * and puts each item's object. Stops on SIGTERM after its current poll.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetActivityTaskCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';

const sfn = new SFNClient({ requestHandler: { requestTimeout: 70_000 } });
const s3 = new S3Client({ forcePathStyle: true });
const arn = process.env.STEPFLEET_ACTIVITY_ARN as string;
const bucket = process.env.STEPFLEET_DATA_BUCKET as string;
const mode = process.env.BENCH_MODE ?? 'noop';
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});

while (!stopping) {
  const task = await sfn.send(new GetActivityTaskCommand({ activityArn: arn, workerName: 'loop' }));
  if (!task.taskToken) continue;
  const input = JSON.parse(task.input ?? '{}') as { Items?: { Key: string }[] };
  const results: string[] = [];
  if (mode === 's3') {
    for (const item of input.Items ?? []) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: item.Key }));
      const text = ((await got.Body?.transformToString()) ?? '').toUpperCase();
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `out/${item.Key}`, Body: text }));
      results.push(`out/${item.Key}`);
    }
  }
  await sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: JSON.stringify(results) }));
}
sfn.destroy();
s3.destroy();
