/**
 * Ctrl-C during `stepfleet run monte-carlo --stop-on-exit` (a real child process, a real
 * SIGINT): the execution is stopped, the view ends on ABORTED, the exit code is 1, and every
 * worker process is gone. Without a terminal and without the flag, a local run is stopped too
 * (its backend goes away with the process).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../packages/cli/bin/stepfleet.js', import.meta.url));
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepfleet-demo-interrupt-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Pids of live processes whose environment points the AWS SDK at `endpoint`. */
async function processesTalkingTo(endpoint: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (environ.split('\0').includes(`AWS_ENDPOINT_URL=${endpoint}`)) pids.push(Number(entry));
  }
  return pids;
}

for (const stopOnExit of [true, false]) {
  test(`GIVEN a running demo ${stopOnExit ? 'with' : 'without'} --stop-on-exit and no terminal WHEN Ctrl-C THEN the execution is stopped, exit 1, no process left`, async () => {
    const args = [
      'run',
      'monte-carlo',
      '--items',
      '4000',
      '--size',
      '20000',
      '--batch',
      '100',
      '--time-scale',
      '10',
    ];
    const child = spawn(
      process.execPath,
      [BIN, ...args, '--out', dir, ...(stopOnExit ? ['--stop-on-exit'] : [])],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Ctrl-C once the Map Run is under way.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no Map Run within 60 s:\n${stdout}\n${stderr}`)),
        60_000,
      );
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (/· ProcessItems · items \d+\/\d+/.test(stdout)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGINT');

    assert.equal(await exited, 1, `${stdout}\n${stderr}`);
    const url = /local backend on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    assert.ok(url);
    assert.match(stdout, /stopping the execution \(Ctrl-C/);
    assert.match(stdout, /· ABORTED · items/);
    assert.match(stdout, /stopping the local backend and its workers/);
    assert.deepEqual(await processesTalkingTo(url), [], 'no worker process is left');
  });
}
