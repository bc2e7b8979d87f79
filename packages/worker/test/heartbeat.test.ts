/**
 * What must hold 2 and 8: CPU-bound handlers saturating every thread never starve the
 * heartbeats (zero heartbeat timeouts with HeartbeatSeconds 5 over 60 s of work per thread,
 * on a 4× faster backend clock); a heartbeat answered TaskTimedOut fires the handler's signal
 * and frees the slot. Plus the heartbeater on its own, with a plain-object context.
 */
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { type HeartbeatContext, Heartbeater } from '../src/heartbeat.ts';
import { batchInput, finalReport, fixture, startBackend, startWorker, waitFor } from './helpers.ts';

test('CPU-bound handlers on every thread, HeartbeatSeconds 5: no heartbeat timeout', async (t) => {
  // GIVEN a backend whose clock runs 2× faster (HeartbeatSeconds 5 = 2.5 s of real time)
  // AND a worker, told the same time scale, with one thread per CPU. (At 4×, 1.25 s of real
  // time, with beats every ~0.4 s each given up after one interval, a loaded machine timed out
  // heartbeats: the test then measured the machine, not the worker.)
  const timeScale = 2;
  const threads = availableParallelism();
  const { backend, arns } = await startBackend(t, { timeScale, activityPollSeconds: 2 });
  const arn = arns[0] as string;
  const worker = startWorker(t, backend, {
    STEPFLEET_ACTIVITY_ARN: arn,
    STEPFLEET_HANDLER: fixture('behaviors.ts'),
    STEPFLEET_THREADS: String(threads),
    STEPFLEET_TIME_SCALE: String(timeScale),
  });

  // WHEN each thread runs 6 tasks that each spin the CPU 5 s (10 s of simulated time):
  // 60 simulated seconds of work per thread, 12 heartbeat windows each
  const perThread = 6;
  const cpuMs = 5_000;
  const started = Date.now();
  const outcomes = await Promise.all(
    Array.from({ length: threads * perThread }, (_, i) =>
      backend.activities.schedule(arn, batchInput([i], { mode: 'cpu', ms: cpuMs }, { heartbeatSeconds: 5 }), {
        heartbeatSeconds: 5,
        timeoutSeconds: 600,
      }),
    ),
  );
  const simulatedSeconds = ((Date.now() - started) * timeScale) / 1000;

  // THEN every task succeeded, none timed out, and heartbeats kept them alive
  assert.deepEqual(outcomes.filter((o) => o.status !== 'SUCCEEDED').slice(0, 3), []);
  const counts = backend.activities.stats().counts;
  assert.equal(counts.heartbeatTimedOut, 0);
  assert.ok(simulatedSeconds >= 60, `ran ${simulatedSeconds} simulated seconds`);
  // 10 simulated seconds per task with beats every ~2 s: at least 3 beats each
  assert.ok(counts.heartbeats >= threads * perThread * 3, `${counts.heartbeats} heartbeats`);
  worker.child.kill('SIGTERM');
  assert.equal(await worker.exited, 0);
  const metrics = finalReport(worker)?.metrics;
  assert.equal(metrics?.tasksSucceeded, threads * perThread);
});

test('a heartbeat answered TaskTimedOut fires the handler signal and frees the slot', async (t) => {
  // GIVEN a one-slot worker and a task whose TimeoutSeconds (2 s) the worker does not know about
  const { backend, arns } = await startBackend(t, { activityPollSeconds: 1 });
  const arn = arns[0] as string;
  const worker = startWorker(t, backend, {
    STEPFLEET_ACTIVITY_ARN: arn,
    STEPFLEET_HANDLER: fixture('behaviors.ts'),
    STEPFLEET_THREADS: '1',
    STEPFLEET_LOG_LEVEL: 'info',
  });

  await waitFor(() => worker.lines.some((l) => l.slots === 1), 15_000, 'the worker to run');

  // WHEN its handler waits for its signal and Step Functions times the task out
  let pickedUp = false;
  const lost = await backend.activities.schedule(
    arn,
    batchInput([1], { mode: 'wait-abort' }, { heartbeatSeconds: 1 }),
    { timeoutSeconds: 2, onStarted: () => (pickedUp = true) },
  );
  assert.ok(pickedUp, 'the worker had taken the task');
  assert.deepEqual(lost, { status: 'TIMED_OUT', error: 'States.Timeout' });

  // THEN the next heartbeat is refused, the handler sees its signal fire, the slot is freed
  // (A wait for a condition, not a bound on it: on a loaded machine the refused heartbeat and
  // the thread's output line take more than 5 s.)
  await waitFor(
    () => worker.lines.some((l) => l.handlerSawAbort === true),
    20_000,
    'the handler to see the abort',
  );
  const next = await backend.activities.schedule(arn, batchInput([2, 3], { mode: 'ok' }), {
    timeoutSeconds: 30,
  });
  assert.equal(next.status, 'SUCCEEDED');
  // AND nothing was reported for the lost task
  assert.equal(backend.activities.stats().counts.failed, 0);
  assert.ok(worker.lines.some((l) => l.msg === 'task lost (heartbeat refused): aborting its work'));
});

/** A heartbeat context recording each call, answering per token from `answers`. */
function recordingContext(answers: Map<string, Error> = new Map()): HeartbeatContext & {
  sent: string[];
  lost: string[];
} {
  const sent: string[] = [];
  const lost: string[] = [];
  return {
    sent,
    lost,
    async send(token) {
      sent.push(token);
      const error = answers.get(token);
      if (error) throw error;
    },
    isTaskGone: (error) => (error as Error).name === 'TaskTimedOut',
    onTaskLost: (token) => lost.push(token),
  };
}

test('heartbeater: beats each token within its interval, stops on release, reports lost tokens', async (t) => {
  // GIVEN a heartbeater with two tokens at 100 ms, one of which the service says timed out
  const gone = Object.assign(new Error('gone'), { name: 'TaskTimedOut' });
  const ctx = recordingContext(new Map([['b', gone]]));
  const hb = new Heartbeater(ctx, { maxPerSecond: 1000 });
  t.after(() => hb.close());
  hb.hold('a', 100);
  hb.hold('b', 100);

  // WHEN a has been beaten 4 times (a loaded machine may delay timers, so wait for the beats,
  // bounded, rather than counting them in a fixed window)
  const started = Date.now();
  while (ctx.sent.filter((s) => s === 'a').length < 4 && Date.now() - started < 10_000) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const elapsedMs = Date.now() - started;

  // THEN a keeps beating, never faster than its interval allows (jitter keeps beats 80–100 ms
  // apart: 4 beats take at least ~240 ms), b is beaten once, reported lost and dropped
  const beatsOfA = ctx.sent.filter((s) => s === 'a').length;
  assert.ok(beatsOfA >= 4, `a beat ${beatsOfA} times in ${elapsedMs} ms`);
  assert.ok(elapsedMs >= 200, `4 beats of a 100 ms interval came in only ${elapsedMs} ms: not coalesced`);
  assert.equal(ctx.sent.filter((s) => s === 'b').length, 1);
  assert.deepEqual(ctx.lost, ['b']);
  // AND after release, no more beats
  hb.release('a');
  const before = ctx.sent.length;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(ctx.sent.length, before);
});

test('heartbeater: the budget caps beats per second; handler requests are coalesced', async (t) => {
  // GIVEN 50 tokens due every 100 ms and a budget of 20 beats per second
  const ctx = recordingContext();
  const hb = new Heartbeater(ctx, { maxPerSecond: 20 });
  t.after(() => hb.close());
  for (let i = 0; i < 50; i++) hb.hold(`t${i}`, 100);
  // WHEN one second passes and one token asks for a beat 100 times
  for (let i = 0; i < 100; i++) hb.request('t0');
  await new Promise((r) => setTimeout(r, 1000));
  // THEN no more than the bucket (20) plus a second of refill (20) went out
  assert.ok(ctx.sent.length <= 41, `${ctx.sent.length} beats`);
  assert.ok(ctx.sent.length >= 15, `${ctx.sent.length} beats`);
});
