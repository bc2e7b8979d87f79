import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateActivityCommand,
  DeleteActivityCommand,
  DescribeActivityCommand,
  GetActivityTaskCommand,
  ListActivitiesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  type SFNServiceException,
} from '@aws-sdk/client-sfn';
import { type LocalBackend, type LocalBackendOptions, startLocalBackend } from '@stepfleet/local';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

function sfnFor(backend: LocalBackend, region = 'us-east-1'): SFNClient {
  return new SFNClient({ endpoint: backend.url, region, credentials, maxAttempts: 1 });
}

/** The AWS error a call fails with (asserting that it fails). */
async function awsError(call: Promise<unknown>): Promise<SFNServiceException> {
  try {
    await call;
  } catch (error) {
    return error as SFNServiceException;
  }
  assert.fail('expected the call to fail');
}

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

async function withBackend(options: LocalBackendOptions = {}) {
  const backend = await startLocalBackend({ port: 0, ...options });
  const sfn = sfnFor(backend);
  return { backend, sfn, [Symbol.asyncDispose]: () => closeBoth(backend, sfn) };
}

async function closeBoth(backend: LocalBackend, sfn: SFNClient): Promise<void> {
  sfn.destroy();
  await backend.close();
}

describe('activities over the real client-sfn', () => {
  let backend: LocalBackend;
  let sfn: SFNClient;
  before(async () => {
    // 60 simulated seconds of poll window pass in 0.5 s real time.
    backend = await startLocalBackend({ port: 0, timeScale: 120 });
    sfn = sfnFor(backend);
  });
  after(() => closeBoth(backend, sfn));

  test('a task round-trips: schedule, GetActivityTask, SendTaskSuccess', async () => {
    // GIVEN an activity and a task scheduled on it
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'round-trip' }));
    assert.equal(activityArn, 'arn:aws:states:us-east-1:000000000000:activity:round-trip');
    const outcome = backend.activities.schedule(activityArn, '{"n":1}', { heartbeatSeconds: 600 });
    // WHEN a worker polls and reports success
    const task = await sfn.send(new GetActivityTaskCommand({ activityArn, workerName: 'worker-1/poller-0' }));
    assert.equal(task.input, '{"n":1}');
    assert.ok(task.taskToken && task.taskToken.length <= 2048);
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: task.taskToken }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{"sum":1}' }));
    // THEN the scheduler gets the output, and the observation shows who ran it
    assert.deepEqual(await outcome, { status: 'SUCCEEDED', output: '{"sum":1}' });
    const record = backend.activities.stats().tasks.find((t) => t.activityArn === activityArn)!;
    assert.equal(record.workerName, 'worker-1/poller-0');
    assert.equal(record.status, 'SUCCEEDED');
    assert.equal(record.heartbeats, 1);
    assert.ok(record.startedAt! >= record.scheduledAt && record.closedAt! >= record.startedAt!);
    assert.ok(!JSON.stringify(record).includes(task.taskToken), 'observation never shows the token');
  });

  test('SendTaskFailure hands error and cause to the scheduler', async () => {
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'failing' }));
    const outcome = backend.activities.schedule(activityArn!, '{}');
    const { taskToken } = await sfn.send(new GetActivityTaskCommand({ activityArn }));
    await sfn.send(new SendTaskFailureCommand({ taskToken, error: 'Worker.Crashed', cause: 'boom' }));
    assert.deepEqual(await outcome, { status: 'FAILED', error: 'Worker.Crashed', cause: 'boom' });
  });

  test('CreateActivity is idempotent by name; Describe, List with pagination, Delete', async () => {
    const first = await sfn.send(
      new CreateActivityCommand({ name: 'idem', tags: [{ key: 'team', value: 'a' }] }),
    );
    const again = await sfn.send(
      new CreateActivityCommand({ name: 'idem', tags: [{ key: 'team', value: 'b' }] }),
    );
    assert.equal(again.activityArn, first.activityArn);
    assert.equal(again.creationDate?.getTime(), first.creationDate?.getTime());
    const described = await sfn.send(new DescribeActivityCommand({ activityArn: first.activityArn }));
    assert.equal(described.name, 'idem');
    for (const n of [1, 2, 3, 4, 5]) await sfn.send(new CreateActivityCommand({ name: `page-${n}` }));
    const names: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await sfn.send(new ListActivitiesCommand({ maxResults: 2, nextToken }));
      assert.ok(page.activities!.length <= 2);
      names.push(...page.activities!.map((a) => a.name!));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    assert.ok(pages >= 4, `paginated over ${pages} pages`);
    assert.deepEqual(
      names.filter((n) => n.startsWith('page-')),
      ['page-1', 'page-2', 'page-3', 'page-4', 'page-5'],
    );
    assert.equal(new Set(names).size, names.length, 'no activity listed twice');
    await sfn.send(new DeleteActivityCommand({ activityArn: first.activityArn }));
    const gone = await awsError(sfn.send(new DescribeActivityCommand({ activityArn: first.activityArn })));
    assert.equal(gone.name, 'ActivityDoesNotExist');
  });

  test('ARNs carry the region the request was signed for', async () => {
    const eu = sfnFor(backend, 'eu-west-1');
    try {
      const { activityArn } = await eu.send(new CreateActivityCommand({ name: 'regional' }));
      assert.equal(activityArn, 'arn:aws:states:eu-west-1:000000000000:activity:regional');
      const listed = await sfn.send(new ListActivitiesCommand({}));
      assert.ok(!listed.activities!.some((a) => a.activityArn === activityArn), 'us-east-1 does not list it');
    } finally {
      eu.destroy();
    }
  });

  test('a long poll with no task answers without a taskToken when its window ends', async () => {
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'empty' }));
    const started = performance.now();
    const result = await sfn.send(new GetActivityTaskCommand({ activityArn, workerName: 'w' }));
    const elapsedMs = performance.now() - started;
    assert.equal(result.taskToken, undefined);
    assert.equal(result.input, undefined);
    assert.ok(elapsedMs >= 450 && elapsedMs < 3000, `waited ${elapsedMs} ms for a 0.5 s window`);
  });

  test('a waiting poll gets a task scheduled while it waits, at once', async () => {
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'wakeup' }));
    const poll = sfn.send(new GetActivityTaskCommand({ activityArn, workerName: 'early' }));
    await until('the poll is registered', () => backend.activities.stats().openPolls === 1);
    void backend.activities.schedule(activityArn!, '"hello"');
    // A poll not woken by the task would end empty when its window closes.
    const task = await poll;
    assert.equal(task.input, '"hello"');
    await sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{}' }));
  });

  test('tasks are handed out first in, first out', async () => {
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'fifo' }));
    const outcomes = [0, 1, 2, 3, 4].map((i) => backend.activities.schedule(activityArn!, `{"i":${i}}`));
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      const task = await sfn.send(new GetActivityTaskCommand({ activityArn }));
      seen.push(task.input!);
      await sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: task.input }));
    }
    assert.deepEqual(seen, ['{"i":0}', '{"i":1}', '{"i":2}', '{"i":3}', '{"i":4}']);
    assert.deepEqual(
      (await Promise.all(outcomes)).map((o) => o.status === 'SUCCEEDED' && o.output),
      seen,
    );
  });
});

describe('activity errors, as AWS answers them (HTTP 400)', () => {
  let backend: LocalBackend;
  let sfn: SFNClient;
  let activityArn: string;
  before(async () => {
    backend = await startLocalBackend({ port: 0, timeScale: 120 });
    sfn = sfnFor(backend);
    activityArn = (await sfn.send(new CreateActivityCommand({ name: 'errors' }))).activityArn!;
  });
  after(() => closeBoth(backend, sfn));

  async function openToken(): Promise<string> {
    void backend.activities.schedule(activityArn, '{}');
    return (await sfn.send(new GetActivityTaskCommand({ activityArn }))).taskToken!;
  }

  async function expectError(call: Promise<unknown>, code: string): Promise<void> {
    const error = await awsError(call);
    assert.equal(error.name, code, error.message);
    assert.equal(error.$metadata.httpStatusCode, 400);
  }

  test('InvalidArn, ActivityDoesNotExist, InvalidName', async () => {
    await expectError(sfn.send(new DescribeActivityCommand({ activityArn: 'not-an-arn' })), 'InvalidArn');
    await expectError(sfn.send(new GetActivityTaskCommand({ activityArn: 'arn:aws:sqs:x' })), 'InvalidArn');
    const missing = 'arn:aws:states:us-east-1:000000000000:activity:missing';
    await expectError(sfn.send(new GetActivityTaskCommand({ activityArn: missing })), 'ActivityDoesNotExist');
    await expectError(
      sfn.send(new DescribeActivityCommand({ activityArn: missing })),
      'ActivityDoesNotExist',
    );
    for (const name of ['has space', 'a/b', 'x'.repeat(81), 'semi;colon', 'tab\there']) {
      await expectError(sfn.send(new CreateActivityCommand({ name })), 'InvalidName');
    }
  });

  test('InvalidToken for a token never issued; TaskTimedOut for one whose task closed', async () => {
    const forged = Buffer.alloc(32, 7).toString('base64url');
    await expectError(
      sfn.send(new SendTaskSuccessCommand({ taskToken: forged, output: '{}' })),
      'InvalidToken',
    );
    await expectError(sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'garbage' })), 'InvalidToken');
    const taskToken = await openToken();
    const tampered = taskToken.slice(0, -2) + (taskToken.endsWith('AA') ? 'BB' : 'AA');
    await expectError(sfn.send(new SendTaskFailureCommand({ taskToken: tampered })), 'InvalidToken');
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));
    await expectError(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' })), 'TaskTimedOut');
    await expectError(sfn.send(new SendTaskHeartbeatCommand({ taskToken })), 'TaskTimedOut');
    await expectError(sfn.send(new SendTaskFailureCommand({ taskToken })), 'TaskTimedOut');
  });

  test('InvalidOutput for output that is not JSON or over 262,144 bytes; the task stays open', async () => {
    const taskToken = await openToken();
    await expectError(
      sfn.send(new SendTaskSuccessCommand({ taskToken, output: 'not json' })),
      'InvalidOutput',
    );
    const big = JSON.stringify('x'.repeat(262_144 - 1)); // 262,145 bytes with its quotes
    await expectError(sfn.send(new SendTaskSuccessCommand({ taskToken, output: big })), 'InvalidOutput');
    const fits = JSON.stringify('é'.repeat(131_071)); // 262,144 bytes of UTF-8
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: fits }));
  });

  test('ValidationException for error over 256 or cause over 32,768 characters', async () => {
    const taskToken = await openToken();
    await expectError(
      sfn.send(new SendTaskFailureCommand({ taskToken, error: 'e'.repeat(257) })),
      'ValidationException',
    );
    await expectError(
      sfn.send(new SendTaskFailureCommand({ taskToken, cause: 'c'.repeat(32_769) })),
      'ValidationException',
    );
    await sfn.send(
      new SendTaskFailureCommand({ taskToken, error: 'e'.repeat(256), cause: 'c'.repeat(32_768) }),
    );
  });

  test('ValidationException for a token over 2,048 characters', async () => {
    await expectError(
      sfn.send(new SendTaskHeartbeatCommand({ taskToken: 't'.repeat(2049) })),
      'ValidationException',
    );
  });

  test('ActivityWorkerLimitExceeded past 1,000 concurrent polls on one activity', async () => {
    const { activityArn: busy } = await sfn.send(new CreateActivityCommand({ name: 'busy' }));
    const polls = Array.from({ length: 1000 }, () => backend.activities.poll(busy!, 'w'));
    await expectError(
      sfn.send(new GetActivityTaskCommand({ activityArn: busy })),
      'ActivityWorkerLimitExceeded',
    );
    await sfn.send(new DeleteActivityCommand({ activityArn: busy }));
    assert.deepEqual(new Set(await Promise.all(polls)), new Set([null]), 'deleting ends the polls empty');
  });

  test('tags over 50 are TooManyTags; a bad encryption configuration is refused; it may not change', async () => {
    const tags = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    await expectError(sfn.send(new CreateActivityCommand({ name: 'tagged', tags })), 'TooManyTags');
    await expectError(
      sfn.send(
        new CreateActivityCommand({
          name: 'kms',
          encryptionConfiguration: { type: 'CUSTOMER_MANAGED_KMS_KEY' },
        }),
      ),
      'InvalidEncryptionConfiguration',
    );
    const encryptionConfiguration = { type: 'CUSTOMER_MANAGED_KMS_KEY' as const, kmsKeyId: 'alias/k' };
    const { activityArn: kms } = await sfn.send(
      new CreateActivityCommand({ name: 'kms', encryptionConfiguration }),
    );
    const described = await sfn.send(new DescribeActivityCommand({ activityArn: kms }));
    assert.deepEqual(described.encryptionConfiguration, encryptionConfiguration);
    await expectError(sfn.send(new CreateActivityCommand({ name: 'kms' })), 'ActivityAlreadyExists');
  });

  test('ListActivities with a nextToken it never issued is InvalidToken', async () => {
    await expectError(sfn.send(new ListActivitiesCommand({ nextToken: 'bogus' })), 'InvalidToken');
  });
});

describe('timeouts (timeScale 20 or 100: a simulated second is 50 or 10 ms)', () => {
  test('HeartbeatSeconds: heartbeats keep a task alive; silence times it out', async () => {
    await using env = await withBackend({ timeScale: 20 });
    const { activityArn } = await env.sfn.send(new CreateActivityCommand({ name: 'hb' }));
    const outcome = env.backend.activities.schedule(activityArn!, '{}', { heartbeatSeconds: 10 });
    const { taskToken } = await env.sfn.send(new GetActivityTaskCommand({ activityArn }));
    // GIVEN a heartbeat every 50 ms (1 simulated s) for 300 ms, longer than HeartbeatSeconds, it lives on
    // (heartbeat timeout 10 simulated s = 500 ms: wide margins for a loaded machine)
    for (let i = 0; i < 6; i++) {
      await sleep(50);
      await env.sfn.send(new SendTaskHeartbeatCommand({ taskToken }));
    }
    // WHEN the worker falls silent, THEN it times out with States.HeartbeatTimeout
    assert.deepEqual(await outcome, { status: 'TIMED_OUT', error: 'States.HeartbeatTimeout' });
    const late = await awsError(env.sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' })));
    assert.equal(late.name, 'TaskTimedOut');
    assert.equal(env.backend.activities.stats().counts.heartbeatTimedOut, 1);
  });

  test('TimeoutSeconds counts from scheduling and heartbeats never extend it', async () => {
    await using env = await withBackend({ timeScale: 20 });
    const { activityArn } = await env.sfn.send(new CreateActivityCommand({ name: 'to' }));
    // Never picked up: times out in the queue.
    const queued = await env.backend.activities.schedule(activityArn!, '{}', { timeoutSeconds: 5 });
    assert.deepEqual(queued, { status: 'TIMED_OUT', error: 'States.Timeout' });
    const started = performance.now();
    const outcome = env.backend.activities.schedule(activityArn!, '{}', {
      timeoutSeconds: 30,
      heartbeatSeconds: 10,
    });
    const { taskToken } = await env.sfn.send(new GetActivityTaskCommand({ activityArn }));
    // Heartbeat every 20 ms (0.4 simulated s) until the token stops working.
    const beating = (async () => {
      while (
        await env.sfn.send(new SendTaskHeartbeatCommand({ taskToken })).then(
          () => true,
          () => false,
        )
      ) {
        await sleep(20);
      }
    })();
    assert.deepEqual(await outcome, { status: 'TIMED_OUT', error: 'States.Timeout' });
    const elapsedMs = performance.now() - started;
    assert.ok(elapsedMs >= 1450 && elapsedMs < 4000, `timed out after ${elapsedMs} ms (1500 expected)`);
    await beating;
  });

  test('aborting the signal closes the task: ABORTED, and its token answers TaskTimedOut', async () => {
    await using env = await withBackend({ timeScale: 100 });
    const { activityArn } = await env.sfn.send(new CreateActivityCommand({ name: 'abort' }));
    const stop = new AbortController();
    const outcome = env.backend.activities.schedule(activityArn!, '{}', { signal: stop.signal });
    const { taskToken } = await env.sfn.send(new GetActivityTaskCommand({ activityArn }));
    stop.abort();
    assert.deepEqual(await outcome, { status: 'ABORTED' });
    const late = await awsError(env.sfn.send(new SendTaskHeartbeatCommand({ taskToken })));
    assert.equal(late.name, 'TaskTimedOut');
  });

  test('a callback token (.waitForTaskToken) settles through SendTaskSuccess', async () => {
    await using env = await withBackend({ timeScale: 100 });
    const callback = env.backend.activities.createCallback({ timeoutSeconds: 60 });
    await env.sfn.send(new SendTaskSuccessCommand({ taskToken: callback.taskToken, output: '[1]' }));
    assert.deepEqual(await callback.outcome, { status: 'SUCCEEDED', output: '[1]' });
  });

  test('tasks that timed out in the queue are skipped: the next poll gets the oldest live one', async () => {
    await using env = await withBackend({ timeScale: 100 });
    const { activityArn } = await env.sfn.send(new CreateActivityCommand({ name: 'stale' }));
    const stale = Array.from({ length: 2000 }, () =>
      env.backend.activities.schedule(activityArn!, '"stale"', { timeoutSeconds: 1 }),
    );
    const live = env.backend.activities.schedule(activityArn!, '"live"', { timeoutSeconds: 600 });
    await Promise.all(stale);
    assert.equal(env.backend.activities.stats().pendingTasks, 1);
    const task = await env.sfn.send(new GetActivityTaskCommand({ activityArn }));
    assert.equal(task.input, '"live"');
    await env.sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{}' }));
    assert.equal((await live).status, 'SUCCEEDED');
    assert.equal(env.backend.activities.stats().counts.timedOut, 2000);
  });

  test('waiting polls are served first come, first served', async () => {
    await using env = await withBackend({ timeScale: 10 });
    const { activityArn } = await env.sfn.send(new CreateActivityCommand({ name: 'poll-order' }));
    const first = env.backend.activities.poll(activityArn!, 'first');
    const second = env.backend.activities.poll(activityArn!, 'second');
    void env.backend.activities.schedule(activityArn!, '1');
    void env.backend.activities.schedule(activityArn!, '2');
    assert.equal((await first)?.input, '1');
    assert.equal((await second)?.input, '2');
    const names = env.backend.activities.stats().tasks.map((t) => t.workerName);
    assert.deepEqual(names, ['first', 'second']);
  });

  test('schedule on an unknown activity rejects with ActivityDoesNotExist', async () => {
    await using env = await withBackend();
    await assert.rejects(
      env.backend.activities.schedule('arn:aws:states:us-east-1:000000000000:activity:nope', '{}'),
      { code: 'ActivityDoesNotExist' },
    );
    await assert.rejects(env.backend.activities.schedule('nope', '{}'), { code: 'InvalidArn' });
  });
});

describe('a poll whose client connection closed (AWS: the task handed to it is lost)', () => {
  async function abandonPoll(env: { backend: LocalBackend; sfn: SFNClient }, activityArn: string) {
    const abort = new AbortController();
    const poll = env.sfn.send(new GetActivityTaskCommand({ activityArn, workerName: 'doomed' }), {
      abortSignal: abort.signal,
    });
    await until('the poll is registered', () => env.backend.activities.stats().openPolls === 1);
    abort.abort();
    await assert.rejects(poll);
    await until(
      'the server saw the connection close',
      () => env.backend.activities.stats().counts.pollsOfClosedConnections === 1,
    );
  }

  test('by default it stays registered, takes the next task, and that task is lost until its heartbeat timeout', async () => {
    // 60 simulated s poll window = 6 s real; heartbeat 5 simulated s = 0.5 s real.
    await using env = await withBackend({ timeScale: 10 });
    const { activityArn } = await env.sfn.send(new CreateActivityCommand({ name: 'lossy' }));
    await abandonPoll(env, activityArn!);
    assert.equal(env.backend.activities.stats().openPollsOfClosedConnections, 1);
    // WHEN a task is scheduled, the abandoned poll takes it
    const started = performance.now();
    const outcome = await env.backend.activities.schedule(activityArn!, '{}', { heartbeatSeconds: 5 });
    // THEN nobody got it: it ends only at its heartbeat timeout
    assert.deepEqual(outcome, { status: 'TIMED_OUT', error: 'States.HeartbeatTimeout' });
    assert.ok(performance.now() - started >= 450);
    const stats = env.backend.activities.stats();
    assert.equal(stats.counts.lostToClosedPolls, 1);
    const record = stats.tasks.at(-1)!;
    assert.equal(record.lostToClosedPoll, true);
    assert.equal(record.workerName, 'doomed');
  });

  test('with keepPollsOfClosedConnections false the poll is dropped and the task goes to a live poll', async () => {
    await using env = await withBackend({ timeScale: 10, keepPollsOfClosedConnections: false });
    const { activityArn } = await env.sfn.send(new CreateActivityCommand({ name: 'safe' }));
    await abandonPoll(env, activityArn!);
    assert.equal(env.backend.activities.stats().openPolls, 0);
    const outcome = env.backend.activities.schedule(activityArn!, '{}', { heartbeatSeconds: 5 });
    const task = await env.sfn.send(new GetActivityTaskCommand({ activityArn, workerName: 'alive' }));
    await env.sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{"ok":true}' }));
    assert.deepEqual(await outcome, { status: 'SUCCEEDED', output: '{"ok":true}' });
    assert.equal(env.backend.activities.stats().counts.lostToClosedPolls, 0);
  });
});

test('close() answers open polls, aborts open tasks, is idempotent, and removes its temporary data dir', async () => {
  const { existsSync } = await import('node:fs');
  const backend = await startLocalBackend({ port: 0 });
  const sfn = sfnFor(backend);
  const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'closing' }));
  const poll = sfn.send(new GetActivityTaskCommand({ activityArn }));
  await until('the poll is registered', () => backend.activities.stats().openPolls === 1);
  const other = await backend.activities.create('us-east-1', backend.accountId, 'other');
  const open = backend.activities.schedule(other.activityArn, '{}');
  const started = performance.now();
  const closing = backend.close();
  assert.equal(backend.close(), closing, 'a second close() returns the same promise');
  await closing;
  assert.ok(performance.now() - started < 2000, 'a 60 s poll does not hold close()');
  assert.equal((await poll).taskToken, undefined);
  assert.deepEqual(await open, { status: 'ABORTED' });
  assert.equal(existsSync(backend.dataDir), false);
  sfn.destroy();
});

test('a port already in use rejects startLocalBackend and leaves no temporary data dir', async (t) => {
  const { mkdtemp, readdir, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const first = await startLocalBackend({ port: 0 });
  t.after(() => first.close());
  // os.tmpdir() follows TMPDIR: a private one shows exactly what the failed start left behind.
  const privateTmp = await mkdtemp(join(tmpdir(), 'stepfleet-tmp-'));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = privateTmp;
  t.after(async () => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    await rm(privateTmp, { recursive: true, force: true });
  });
  await assert.rejects(startLocalBackend({ port: first.port }), { code: 'EADDRINUSE' });
  assert.deepEqual(await readdir(privateTmp), []);
});
