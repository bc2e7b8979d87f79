import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { CreateActivityCommand, ListActivitiesCommand, SFNClient } from '@aws-sdk/client-sfn';

const BIN = join(import.meta.dirname, '../../cli/bin/stepfleet.js');

/** Starts `stepfleet ...args` as a real process (Node 24, the inherited NODE_OPTIONS). */
function stepfleet(args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
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

test('stepfleet local --port 0 prints its URL, serves Step Functions, and exits 0 on SIGTERM', async (t) => {
  // GIVEN the command started with a free port and a data dir of our own
  const dataDir = await mkdtemp(join(tmpdir(), 'stepfleet-cli-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const child = stepfleet(['local', '--port', '0', '--data', dataDir, '--time-scale', '10']);
  t.after(() => child.kill('SIGKILL'));
  const exited = exitOf(child);
  const line = await firstLine(child);
  const match = /^stepfleet local listening on http:\/\/127\.0\.0\.1:(\d+)$/.exec(line);
  assert.ok(match, `unexpected first line: ${line}`);
  // WHEN a real client talks to it
  const sfn = new SFNClient({
    endpoint: `http://127.0.0.1:${match[1]}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
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
