/**
 * `npm run demo` (placeholder until the Monte Carlo demo lands): starts the local backend,
 * creates an activity, schedules a task on it, completes it with a tiny poller that uses the
 * real `@aws-sdk/client-sfn`, and prints each step, the output and the task's history.
 */
import {
  CreateActivityCommand,
  GetActivityTaskCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { startLocalBackend } from '@stepfleet/local';

const step = (text: string): void => console.log(`• ${text}`);

const backend = await startLocalBackend({ port: 0 });
const sfn = new SFNClient({
  endpoint: backend.url,
  region: backend.region,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
try {
  step(`local backend listening on ${backend.url}`);
  const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'demo-sum' }));
  step(`CreateActivity → ${activityArn}`);

  const input = { numbers: [3, 5, 8, 13] };
  const outcome = backend.activities.schedule(activityArn!, JSON.stringify(input), {
    heartbeatSeconds: 30,
    timeoutSeconds: 300,
    onStarted: (worker) => step(`the task was picked up by '${worker}'`),
  });
  step(`scheduled a task with input ${JSON.stringify(input)} (HeartbeatSeconds 30, TimeoutSeconds 300)`);

  // A tiny worker: one long poll, one heartbeat, the work, then SendTaskSuccess.
  const task = await sfn.send(
    new GetActivityTaskCommand({ activityArn, workerName: 'demo-worker/poller-0' }),
  );
  if (!task.taskToken) throw new Error('the poll returned no task');
  step(`GetActivityTask → a task (input ${task.input})`);
  await sfn.send(new SendTaskHeartbeatCommand({ taskToken: task.taskToken }));
  step('SendTaskHeartbeat → accepted');
  const { numbers } = JSON.parse(task.input!) as typeof input;
  const output = JSON.stringify({ sum: numbers.reduce((a, b) => a + b, 0), count: numbers.length });
  await sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output }));
  step(`SendTaskSuccess → ${output}`);

  const result = await outcome;
  step(`the scheduler received: ${JSON.stringify(result)}`);
  const record = backend.activities.stats().tasks.find((t) => t.activityArn === activityArn)!;
  const at = (ms: number | null): string => (ms === null ? '-' : `+${ms - record.scheduledAt} ms`);
  console.log('\nTask history:');
  console.log(`  scheduled   ${at(record.scheduledAt)}`);
  console.log(`  started     ${at(record.startedAt)}  by ${record.workerName}`);
  console.log(`  heartbeats  ${record.heartbeats}`);
  console.log(`  ${record.status.toLowerCase().padEnd(10)}  ${at(record.closedAt)}`);
  console.log(
    `  token       sha256:${record.tokenFingerprint}… (tokens are secrets: only a fingerprint is shown)`,
  );
  if (result.status !== 'SUCCEEDED') throw new Error(`the task ended ${result.status}`);
  console.log('\ndemo finished: one activity round trip through the real client-sfn');
} finally {
  sfn.destroy();
  await backend.close();
}
