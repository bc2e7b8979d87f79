import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  alive,
  createService,
  runningTasks,
  scaleInStubbornTask,
  startEcs,
  stopGraceMs,
  waitForLog,
  waitForRunning,
} from './ecs-harness.ts';

test('a service scales 0 → 3 → 1 → 0 with real processes, newest stopped first', async (t) => {
  // GIVEN a service of the fixture script at desired count 0
  const h = await startEcs(t);
  const { cluster, service } = await createService(h, { environment: { GREETING: 'hello' } });
  const describe = async () =>
    (await h.client.send(new DescribeServicesCommand({ cluster, services: [service] }))).services![0]!;
  assert.equal((await describe()).runningCount, 0);

  // WHEN it is scaled to 3
  await h.client.send(new UpdateServiceCommand({ cluster, service, desiredCount: 3 }));

  // THEN three processes run, each logging to its own file with the task's environment
  const three = await waitForRunning(h, service, 3);
  for (const task of three) {
    assert.ok(alive(task.pid), `task ${task.taskId} pid ${task.pid} runs`);
    const log = await waitForLog(task.logFile, 'a line on stderr');
    assert.match(log, /^started pid=\d+ greeting=hello /m);
    assert.match(task.logFile, new RegExp(`/ecs/logs/${service}/${task.taskId}\\.log$`));
  }
  assert.equal(new Set(three.map((task) => task.pid)).size, 3);
  let described = await describe();
  assert.equal(described.desiredCount, 3);
  assert.equal(described.runningCount, 3);
  assert.equal(described.pendingCount, 0);
  assert.ok(
    described.events?.some((e) =>
      /^\(service fleet\) has started 3 tasks: (\(task [0-9a-f]{32}\) ?){3}\.$/.test(e.message!),
    ),
  );

  // WHEN it is scaled to 1
  await h.client.send(new UpdateServiceCommand({ cluster, service, desiredCount: 1 }));

  // THEN the two newest get SIGTERM, exit, and their processes are gone; the oldest runs on
  await h.ecs.observations.waitFor(() => three.filter((task) => task.stoppedAtMs !== undefined).length === 2);
  const [oldest, ...newer] = three;
  for (const task of newer) {
    assert.equal(task.exitCode, 0, 'the fixture exits 0 on SIGTERM');
    assert.equal(task.stopCode, 'ServiceSchedulerInitiated');
    assert.equal(alive(task.pid), false);
    assert.match(await readFile(task.logFile, 'utf8'), /got SIGTERM/);
  }
  assert.ok(alive(oldest!.pid));
  described = await describe();
  assert.equal(described.runningCount, 1);
  assert.match(described.events![0]!.message!, /has (stopped 2 running tasks|reached a steady state)/);
  assert.ok(
    described.events?.some((e) => /^\(service fleet\) has stopped 2 running tasks: /.test(e.message!)),
  );

  // WHEN it is scaled to 0
  await h.client.send(new UpdateServiceCommand({ cluster, service, desiredCount: 0 }));

  // THEN no process is left, and the API says so
  await h.ecs.observations.waitFor(() => oldest!.stoppedAtMs !== undefined);
  assert.equal(alive(oldest!.pid), false);
  assert.equal((await describe()).runningCount, 0);
  const listed = await h.client.send(new ListTasksCommand({ cluster, serviceName: service }));
  assert.deepEqual(listed.taskArns, []);
  const stopped = await h.client.send(
    new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'STOPPED' }),
  );
  assert.equal(stopped.taskArns?.length, 3);

  // AND the observed counts went 0 → 3 → 1 → 0
  const running = h.ecs.observations.samples({ service }).map((sample) => sample.runningCount);
  const changes = running.filter((count, i) => i === 0 || count !== running[i - 1]);
  assert.deepEqual([changes[0], Math.max(...changes), changes.at(-1)], [0, 3, 0]);
  assert.ok(changes.includes(1));
});

test('a killed task is replaced, and DescribeTasks tells how it ended', async (t) => {
  // GIVEN one running task
  const h = await startEcs(t);
  const { cluster, service } = await createService(h, { desiredCount: 1 });
  const [first] = await waitForRunning(h, service, 1);

  // WHEN its process is killed from outside
  process.kill(first!.pid!, 'SIGKILL');

  // THEN the service starts another process in its place
  const replacement = await h.ecs.observations.waitFor(
    () => runningTasks(h, service).find((task) => task.taskId !== first!.taskId),
    10_000,
    'a replacement task',
  );
  assert.notEqual(replacement.pid, first!.pid);
  assert.ok(alive(replacement.pid));
  assert.equal(first!.signal, 'SIGKILL');
  const { tasks } = await h.client.send(new DescribeTasksCommand({ cluster, tasks: [first!.taskArn] }));
  const stopped = tasks![0]!;
  assert.equal(stopped.lastStatus, 'STOPPED');
  assert.equal(stopped.desiredStatus, 'STOPPED');
  assert.equal(stopped.stopCode, 'EssentialContainerExited');
  assert.equal(stopped.stoppedReason, 'Essential container in task exited');
  assert.match(stopped.containers![0]!.reason!, /SIGKILL/);
  assert.ok(stopped.stoppedAt instanceof Date && stopped.startedAt instanceof Date);
  assert.match(
    stopped.taskArn!,
    new RegExp(`^arn:aws:ecs:us-east-1:000000000000:task/${cluster}/[0-9a-f]{32}$`),
  );

  // AND a test in another process reads the same through the control API
  const state = (await (await fetch(`${h.url}/_stepfleet/state`)).json()) as {
    ecs: { tasks: { taskId: string; pid: number; signal: string | null }[] };
  };
  const seen = state.ecs.tasks.find((task) => task.taskId === first!.taskId);
  assert.deepEqual([seen?.pid, seen?.signal], [first!.pid, 'SIGKILL']);
});

test('a task that ignores SIGTERM is killed with SIGKILL after its stopTimeout', async (t) => {
  // GIVEN a task whose process ignores SIGTERM, with stopTimeout 1 s
  const h = await startEcs(t);
  // WHEN the service scales in
  const task = await scaleInStubbornTask(h, 1);
  // THEN it got SIGTERM, ignored it, and SIGKILL ended it about a second later
  const graceMs = await stopGraceMs(h, task);
  assert.equal(task.signal, 'SIGKILL');
  assert.ok(graceMs >= 950 && graceMs < 5000, `SIGKILL came ${graceMs} ms after SIGTERM`);
  assert.match(await readFile(task.logFile, 'utf8'), /ignoring SIGTERM/);
  assert.equal(alive(task.pid), false);
});

test('the stop timeout runs on the backend clock (timeScale)', async (t) => {
  // GIVEN a clock 20 times faster and a 20 s stopTimeout: one real second
  const h = await startEcs(t, { timeScale: 20 });
  const task = await scaleInStubbornTask(h, 20);
  const graceMs = await stopGraceMs(h, task);
  assert.equal(task.signal, 'SIGKILL');
  assert.ok(graceMs >= 950 && graceMs < 5000, `SIGKILL came ${graceMs} ms after SIGTERM`);
});

test('30 tasks start at once and all stop', async (t) => {
  // GIVEN a service of a light command
  const h = await startEcs(t);
  const { cluster, service } = await createService(h, { command: ['sleep', '600'] });

  // WHEN it asks for 30 tasks
  await h.client.send(new UpdateServiceCommand({ cluster, service, desiredCount: 30 }));

  // THEN 30 distinct processes run, then all go at scale-in
  const tasks = await waitForRunning(h, service, 30);
  assert.equal(new Set(tasks.map((task) => task.pid)).size, 30);
  assert.ok(tasks.every((task) => alive(task.pid)));
  const described = await h.client.send(new DescribeServicesCommand({ cluster, services: [service] }));
  assert.equal(described.services![0]!.runningCount, 30);
  await h.client.send(new UpdateServiceCommand({ cluster, service, desiredCount: 0 }));
  await h.ecs.observations.waitFor(() => tasks.every((task) => task.stoppedAtMs !== undefined));
  assert.ok(tasks.every((task) => !alive(task.pid)));
  assert.ok(tasks.every((task) => task.signal === 'SIGTERM'));
});
