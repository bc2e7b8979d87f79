/**
 * The controller down for a while: a real `stepfleet controller` process is killed with SIGKILL;
 * while it is down a run is stopped (no state runs, so nothing scales its fleet down) and
 * another run goes through its own ScaleUp/ScaleDown steps; once restarted, the reconcile loop
 * repairs the fleet within one period and logs why.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { STATE_NAMES as S } from '@stepfleet/job';
import { type Harness, oneItemBatches, sleepItems, startHarness } from './harness.ts';

const BIN = fileURLToPath(new URL('../../cli/bin/stepfleet.js', import.meta.url));
const INTERVAL_SECONDS = 0.5;

let harness: Harness;
let dir: string;
const children = new Set<ChildProcess>();

before(async () => {
  harness = await startHarness();
  dir = await mkdtemp(join(tmpdir(), 'stepfleet-controller-'));
});
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await harness?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A `stepfleet controller` process and the decision lines it has logged so far. */
function startController(fleetsFile: string): { child: ChildProcess; decisions: Record<string, unknown>[] } {
  const child = spawn(
    process.execPath,
    [BIN, 'controller', '--fleets', fleetsFile, '--interval', String(INTERVAL_SECONDS), '--cooldown', '0'],
    {
      env: { ...process.env, ...harness.env, STEPFLEET_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  child.on('exit', () => children.delete(child));
  const decisions: Record<string, unknown>[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) if (line.startsWith('{')) decisions.push(JSON.parse(line));
  });
  child.stderr!.resume();
  return { child, decisions };
}

async function until<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, `within ${timeoutMs} ms: ${what}`);
    await sleep(25);
  }
}

test('GIVEN the controller killed while a run is stopped WHEN it restarts THEN its reconcile loop brings the orphaned fleet to 0 within one period', async () => {
  const slow = await harness.deploy(
    oneItemBatches('orphaned', { maxWorkers: 1, stopTimeoutSeconds: 5 }),
    sleepItems(2, 30_000),
  );
  const quick = await harness.deploy(
    oneItemBatches('meanwhile', { maxWorkers: 1, stopTimeoutSeconds: 5 }),
    sleepItems(2, 100),
  );
  const fleetsFile = join(dir, 'fleets.json');
  await writeFile(fleetsFile, JSON.stringify([slow.fleet, quick.fleet]));
  const first = startController(fleetsFile);
  await until(() => first.decisions.find((d) => d.event === 'start'), 15_000, 'the controller starts');
  await sleep(INTERVAL_SECONDS * 2000);

  // GIVEN the controller dies (SIGKILL: no cleanup of any kind)...
  first.child.kill('SIGKILL');
  await once(first.child, 'exit');
  // ...and, while it is down, a run is stopped after its ScaleUp, which no state can scale down.
  const orphan = await harness.start(slow.stateMachineArn);
  await harness.entered(orphan, S.map);
  await harness.waitForDesired(slow, (d) => d === 1, 10_000, 'the slow job has its worker');
  await harness.sfn.send(new StopExecutionCommand({ executionArn: orphan, error: 'Test.Stop' }));
  // No run waits for the controller: another job runs start to end through its own steps.
  const meanwhile = await harness.finished(await harness.start(quick.stateMachineArn), 30_000);
  assert.equal(meanwhile.status, 'SUCCEEDED', meanwhile.cause);
  await sleep(INTERVAL_SECONDS * 2000);
  assert.equal(await harness.desiredCount(slow), 1, 'with the controller down the orphaned fleet stays up');

  // WHEN it restarts
  const second = startController(fleetsFile);
  const repair = await until(
    () =>
      second.decisions.find((d) => d.event === 'reconcile' && d.fleet === `${slow.cluster}/${slow.service}`),
    15_000,
    'the restarted controller reconciles the orphaned fleet',
  );
  const firstPassAt = Number(repair.time);

  // THEN its first pass repairs the fleet, and the decision log says why
  assert.equal(await harness.desiredCount(slow), 0);
  assert.equal(repair.reason, 'idle-to-zero');
  assert.equal(repair.target, 0);
  assert.deepEqual(repair.openRuns, []);
  assert.equal((repair.current as { desiredCount: number }).desiredCount, 1);
  const zeroAt = harness.backend.ecs.observations
    .samples({ service: slow.service })
    .findLast((s) => s.desiredCount === 0)!.atMs;
  assert.ok(zeroAt - firstPassAt <= INTERVAL_SECONDS * 1000, 'within one period of the first pass');
  second.child.kill('SIGTERM');
  const [code] = await once(second.child, 'exit');
  assert.equal(code, 0, 'SIGTERM stops the loop cleanly');
});
