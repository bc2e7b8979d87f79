/**
 * A worker process for the Distributed Map tests: polls an activity through client-sfn, and
 * for each batch `{"Items": [{Key}...]}` records the keys it processed and reports success.
 * The first attempt of every FAIL_EVERY-th batch (by a hash of its first key) fails with
 * `Worker.Flaky`, so the state machine's Retry has work to do; a marker file per batch makes
 * the retry succeed whichever process picks it up.
 *
 * Environment: ENDPOINT, ACTIVITY_ARN, WORKER_NAME, MARKER_DIR, DONE_FILE, FAIL_EVERY, DELAY_MS.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetActivityTaskCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`missing ${name}`);
  return v;
};
const activityArn = env('ACTIVITY_ARN');
const workerName = env('WORKER_NAME');
const markerDir = env('MARKER_DIR');
const doneFile = env('DONE_FILE');
const failEvery = Number(env('FAIL_EVERY'));
const delayMs = Number(env('DELAY_MS'));

const sfn = new SFNClient({
  endpoint: env('ENDPOINT'),
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});
// The test ends workers with SIGTERM once it has what it needs; nothing is left to drain.
process.on('SIGTERM', () => process.exit(0));

const hash = (s: string): number => [...s].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);

for (;;) {
  const task = await sfn.send(new GetActivityTaskCommand({ activityArn, workerName }));
  if (!task.taskToken) continue;
  const input = JSON.parse(task.input ?? '{}') as { Items: { Key: string }[]; BatchInput?: unknown };
  const first = input.Items[0]!.Key;
  const marker = join(markerDir, first.replaceAll('/', '_'));
  if (failEvery > 0 && hash(first) % failEvery === 0 && !existsSync(marker)) {
    writeFileSync(marker, workerName);
    await sfn.send(
      new SendTaskFailureCommand({
        taskToken: task.taskToken,
        error: 'Worker.Flaky',
        cause: `first attempt of ${first} fails`,
      }),
    );
    continue;
  }
  if (delayMs > 0) await sleep(delayMs);
  try {
    await sfn.send(
      new SendTaskSuccessCommand({
        taskToken: task.taskToken,
        output: JSON.stringify({ count: input.Items.length, first }),
      }),
    );
    appendFileSync(doneFile, `${input.Items.map((i) => i.Key).join('\n')}\n`);
  } catch (error) {
    // TaskTimedOut: the execution was stopped while this batch ran; its work does not count.
    if ((error as Error).name !== 'TaskTimedOut') throw error;
  }
}
