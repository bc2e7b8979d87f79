/**
 * `stepfleet local` as a real child process: it prints its URL, serves Step Functions, S3 and ECS
 * to the real SDK clients, runs ECS tasks as processes, and on SIGINT or SIGTERM exits 0 with
 * nothing left behind (no task process, no temporary directory); bad usage exits 2, a port in
 * use exits 1.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateActivityCommand, ListActivitiesCommand, SFNClient } from '@aws-sdk/client-sfn';

const BIN = join(import.meta.dirname, '../bin/stepfleet.js');
const CLIENT = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };

/** Starts `stepfleet ...args` as a real process (Node 24, the inherited NODE_OPTIONS). */
function stepfleet(args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function firstLine(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  return line;
}

async function exitOf(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

/** The endpoint `stepfleet local` announces on its first line. */
async function endpointOf(child: ChildProcess): Promise<string> {
  const line = await firstLine(child);
  const match = /^stepfleet local listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
  assert.ok(match, `unexpected first line: ${line}`);
  return match[1]!;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('stepfleet local --port 0 prints its URL, serves Step Functions, and exits 0 on SIGTERM', async (t) => {
  // GIVEN the command started with a free port and a data dir of our own
  const dataDir = await mkdtemp(join(tmpdir(), 'stepfleet-cli-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const child = stepfleet(['local', '--port', '0', '--data', dataDir, '--time-scale', '10']);
  t.after(() => child.kill('SIGKILL'));
  const exited = exitOf(child);
  // WHEN a real client talks to it
  const sfn = new SFNClient({ ...CLIENT, endpoint: await endpointOf(child) });
  t.after(() => sfn.destroy());
  await sfn.send(new CreateActivityCommand({ name: 'cli' }));
  const { activities } = await sfn.send(new ListActivitiesCommand({}));
  assert.deepEqual(
    activities!.map((a) => a.name),
    ['cli'],
  );
  // THEN SIGTERM stops it cleanly, and the given data dir is kept
  child.kill('SIGTERM');
  const { code, stderr } = await exited;
  assert.equal(code, 0, stderr);
  assert.ok((await stat(dataDir)).isDirectory());
});

test('stepfleet local serves S3 and ECS to the real clients; SIGINT stops its tasks and leaves nothing behind', async (t) => {
  // GIVEN the command with its own temporary directory (so we can see it is removed) and no --data
  const tmp = await mkdtemp(join(tmpdir(), 'stepfleet-cli-tmp-'));
  t.after(() => rm(tmp, { recursive: true, force: true }));
  const pidDir = await mkdtemp(join(tmpdir(), 'stepfleet-cli-pids-'));
  t.after(() => rm(pidDir, { recursive: true, force: true }));
  const child = stepfleet(['local', '--port', '0'], { ...process.env, TMPDIR: tmp });
  t.after(() => child.kill('SIGKILL'));
  const exited = exitOf(child);
  const endpoint = await endpointOf(child);
  const s3 = new S3Client({ ...CLIENT, endpoint, forcePathStyle: true });
  const ecs = new ECSClient({ ...CLIENT, endpoint });
  t.after(() => {
    s3.destroy();
    ecs.destroy();
  });

  // WHEN a bucket is created, an object put and read back
  await s3.send(new CreateBucketCommand({ Bucket: 'cli-bucket' }));
  await s3.send(
    new PutObjectCommand({ Bucket: 'cli-bucket', Key: 'a/b.txt', Body: 'hello from the cli test' }),
  );
  const got = await s3.send(new GetObjectCommand({ Bucket: 'cli-bucket', Key: 'a/b.txt' }));
  // THEN the object comes back as written
  assert.equal(await got.Body!.transformToString(), 'hello from the cli test');
  assert.ok((await readdir(tmp)).length > 0, 'the backend keeps its data in its temporary directory');

  // WHEN a cluster and a service of two tasks are created; each task records its pid and idles
  await ecs.send(new CreateClusterCommand({ clusterName: 'cli-cluster' }));
  const td = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'cli-idle',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'idle',
          image: 'stepfleet-test',
          command: [
            process.execPath,
            '-e',
            "require('fs').writeFileSync(require('path').join(process.env.PID_DIR, String(process.pid)), ''); setInterval(() => {}, 1000);",
          ],
          environment: [{ name: 'PID_DIR', value: pidDir }],
        },
      ],
    }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'cli-cluster',
      serviceName: 'cli-service',
      taskDefinition: td.taskDefinition!.taskDefinitionArn!,
      desiredCount: 2,
      launchType: 'FARGATE',
    }),
  );
  // THEN two tasks run, each a live process
  const deadline = Date.now() + 15_000;
  let pids: number[] = [];
  for (;;) {
    const { taskArns } = await ecs.send(
      new ListTasksCommand({ cluster: 'cli-cluster', serviceName: 'cli-service' }),
    );
    const running = taskArns?.length
      ? (
          (await ecs.send(new DescribeTasksCommand({ cluster: 'cli-cluster', tasks: taskArns }))).tasks ?? []
        ).filter((task) => task.lastStatus === 'RUNNING')
      : [];
    pids = (await readdir(pidDir)).map(Number);
    if (running.length === 2 && pids.length === 2) break;
    assert.ok(
      Date.now() < deadline,
      `two running tasks within 15 s (running ${running.length}, pids ${pids})`,
    );
    await sleep(50);
  }
  assert.ok(pids.every(isAlive));

  // WHEN it gets SIGINT (Ctrl-C)
  child.kill('SIGINT');
  const { code, stderr } = await exited;
  // THEN it exits 0, its task processes are gone and its temporary directory is removed
  assert.equal(code, 0, stderr);
  assert.deepEqual(pids.filter(isAlive), [], 'no task process outlives the backend');
  assert.deepEqual(await readdir(tmp), []);
});

test('stepfleet with an unknown command or bad options exits 2 with a message on stderr', async () => {
  const cases = [
    [['launch-rockets'], /unknown command 'launch-rockets'/],
    [['local', '--port', 'abc'], /--port must be an integer/],
    [['local', '--colour', 'blue'], /Unknown option '--colour'/],
    [['local', '--time-scale', '0'], /--time-scale must be a positive number/],
    [[], /Usage: stepfleet <command>/],
  ] as const;
  const results = await Promise.all(cases.map(([args]) => exitOf(stepfleet([...args]))));
  results.forEach(({ code, stderr }, i) => {
    const [args, message] = cases[i]!;
    assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
    assert.match(stderr, message);
  });
});

test('stepfleet local on a port already in use says so and exits 1', async (t) => {
  const { createServer } = await import('node:net');
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const port = (taken.address() as { port: number }).port;
  const { code, stderr } = await exitOf(stepfleet(['local', '--port', String(port)]));
  assert.equal(code, 1, stderr);
  assert.match(stderr, new RegExp(`port ${port} is already in use`));
});
