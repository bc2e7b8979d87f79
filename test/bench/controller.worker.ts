/**
 * A light activity worker for the controller bench, run as a local ECS task (50 of them must
 * start fast and fit in memory, so no SDK: the Step Functions JSON protocol through `fetch`).
 * One slot. It behaves like the worker SDK where the bench can tell:
 * - scale-in protection through `$ECS_AGENT_URI` while it holds a task, released when idle;
 * - on SIGTERM it issues no new poll, lets the open one return, finishes a task it holds, exits 0.
 * Each item `{ ms }` sleeps `ms`.
 */
const endpoint = process.env.AWS_ENDPOINT_URL!;
const activityArn = process.env.STEPFLEET_ACTIVITY_ARN!;
const agentUri = process.env.ECS_AGENT_URI;
const workerName = `bench-${process.pid}/0`;
/** Protection is released after this long without a task, as the SDK does (shorter here). */
const IDLE_RELEASE_MS = 200;

let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});

async function call(operation: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AWSStepFunctions.${operation}`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${operation}: ${response.status} ${text.slice(0, 200)}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

let protectedNow = false;
let releaseTimer: NodeJS.Timeout | undefined;
async function protect(enabled: boolean): Promise<void> {
  if (!agentUri || enabled === protectedNow) return;
  protectedNow = enabled;
  await fetch(`${agentUri}/task-protection/v1/state`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ProtectionEnabled: enabled, ...(enabled ? { ExpiresInMinutes: 60 } : {}) }),
  }).catch(() => undefined);
}

while (!stopping) {
  let task: Record<string, unknown>;
  try {
    task = await call('GetActivityTask', { activityArn, workerName });
  } catch {
    await new Promise((resolve) => setTimeout(resolve, 100));
    continue;
  }
  const taskToken = task.taskToken as string | undefined;
  if (!taskToken) continue;
  clearTimeout(releaseTimer);
  await protect(true);
  const input = JSON.parse(String(task.input ?? '{}')) as { Items?: { ms?: number }[] };
  let sleptMs = 0;
  for (const item of input.Items ?? []) {
    const ms = Number(item.ms ?? 0);
    await new Promise((resolve) => setTimeout(resolve, ms));
    sleptMs += ms;
  }
  await call('SendTaskSuccess', { taskToken, output: JSON.stringify({ sleptMs }) }).catch(() => undefined);
  releaseTimer = setTimeout(() => void protect(false), IDLE_RELEASE_MS);
}
clearTimeout(releaseTimer);
await protect(false);
process.exit(0);
