/**
 * Task tokens are secrets: a worker logging at trace level through every error path
 * (throttling, dropped responses, a heartbeat answered TaskTimedOut, a handler that throws,
 * bad input, an interrupted task at shutdown) never writes a token, whole or in part, only its
 * short hash. The tokens are recorded on the wire between the worker and the backend.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { batchInput, fixture, startBackend, startWorker, waitFor } from './helpers.ts';
import { startTokenRecorder } from './token-recorder.ts';

/** The worker's (and the backend's) short hash of a token. */
const shortHash = (token: string): string => createHash('sha256').update(token).digest('hex').slice(0, 12);

/** Every run of `size` characters of `text`. */
function windows(text: string, size: number): string[] {
  return Array.from({ length: Math.max(0, text.length - size + 1) }, (_, i) => text.slice(i, i + size));
}

test('no task token is ever logged, even at trace level through every error path', async (t) => {
  // GIVEN throttling on every task call and dropped SendTaskSuccess responses
  const { backend, arns } = await startBackend(t, {
    activityPollSeconds: 1,
    faults: [
      { service: 'states', operation: 'GetActivityTask', throttleRate: 0.2 },
      { service: 'states', operation: 'SendTaskHeartbeat', throttleRate: 0.2 },
      { service: 'states', operation: 'SendTaskSuccess', throttleRate: 0.2, dropRate: 0.3 },
      { service: 'states', operation: 'SendTaskFailure', throttleRate: 0.2 },
    ],
  });
  const arn = arns[0] as string;
  // AND a worker logging at trace level, talking to the backend through a recorder of tokens
  const recorder = await startTokenRecorder(t, backend.url);
  const worker = startWorker(t, backend, {
    AWS_ENDPOINT_URL: recorder.url,
    STEPFLEET_ACTIVITY_ARN: arn,
    STEPFLEET_HANDLER: fixture('behaviors.ts'),
    STEPFLEET_THREADS: '2',
    STEPFLEET_TASKS_PER_THREAD: '2',
    STEPFLEET_STOP_TIMEOUT_SECONDS: '2',
    STEPFLEET_LOG_LEVEL: 'trace',
  });

  // WHEN it runs tasks that succeed, throw and carry bad input
  const outcomes = await Promise.all([
    ...Array.from({ length: 6 }, (_, i) => backend.activities.schedule(arn, batchInput([i], { mode: 'ok' }))),
    ...Array.from({ length: 2 }, (_, i) =>
      backend.activities.schedule(arn, batchInput([i], { mode: 'throw' })),
    ),
    backend.activities.schedule(arn, 'not json'),
  ]);
  assert.deepEqual(
    outcomes.map((o) => (o.status === 'FAILED' ? o.error : o.status)),
    [...Array(6).fill('SUCCEEDED'), 'QuotaExceededError', 'QuotaExceededError', 'Input.Invalid'],
  );
  // AND one that times out while it heartbeats (every 400 ms), so a heartbeat is answered TaskTimedOut
  const timedOut = await backend.activities.schedule(
    arn,
    batchInput([1], { mode: 'wait-abort' }, { heartbeatSeconds: 1 }),
    { timeoutSeconds: 3 },
  );
  assert.equal(timedOut.status, 'TIMED_OUT');
  await waitFor(
    () => worker.lines.some((l) => l.msg === 'task lost (heartbeat refused): aborting its work'),
    10_000,
    'the heartbeat to find the timed-out task gone',
  );
  // AND it is stopped while a task runs that cannot finish in the stop budget
  let pickedUp = false;
  const interrupted = backend.activities.schedule(arn, batchInput([7], { mode: 'sleep', ms: 10_000 }), {
    onStarted: () => {
      pickedUp = true;
    },
  });
  await waitFor(() => pickedUp, 10_000, 'the last task to start');
  worker.child.kill('SIGTERM');
  assert.equal(await worker.exited, 0, worker.stderr);
  const last = await interrupted;
  assert.equal(last.status === 'FAILED' && last.error, 'Worker.Interrupted');

  // THEN the recorder saw every task's token, the very tokens the backend minted
  const tokens = [...recorder.tokens];
  assert.equal(tokens.length, 11);
  assert.deepEqual(
    new Set(tokens.map(shortHash)),
    new Set(backend.activities.stats().tasks.map((task) => task.tokenFingerprint)),
  );
  // AND the logs went through the error paths
  const logText = [...worker.lines.map((line) => JSON.stringify(line)), worker.stderr].join('\n');
  const throttled = Object.values(backend.faults.counts.throttled).reduce((a, b) => a + b, 0);
  assert.ok(throttled > 0, 'some calls were throttled');
  for (const msg of [
    'task started',
    'task failed',
    'task lost (heartbeat refused): aborting its work',
    'draining',
  ])
    assert.ok(logText.includes(`"msg":"${msg}"`), `a "${msg}" line`);
  // AND every task is named in the logs by its short hash
  for (const token of tokens)
    assert.ok(logText.includes(`"${shortHash(token)}"`), `hash of ${shortHash(token)}`);
  // AND no token appears, whole or as any 16 characters of it
  const secrets = new Set(tokens.flatMap((token) => windows(token, 16)));
  const leaked = windows(logText, 16).filter((w) => secrets.has(w));
  assert.deepEqual(leaked, [], `pieces of tokens in the ${worker.lines.length} log lines`);
});
