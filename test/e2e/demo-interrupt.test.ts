/**
 * Ctrl-C during `stepfleet run monte-carlo --stop-on-exit` (a real child process, a real
 * SIGINT): the execution is stopped, the view ends on ABORTED, the exit code is 1, and every
 * worker process is gone. Without a terminal and without the flag, a local run is stopped too
 * (its backend goes away with the process). On a terminal (a real pty, through script(1)) the
 * view is redrawn in place and Ctrl-C asks before it stops the execution.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { processesTalkingTo } from './demo-processes.ts';

const BIN = fileURLToPath(new URL('../../packages/cli/bin/stepfleet.js', import.meta.url));
/** A run long enough to interrupt: 40 batches of 100 loans × 20,000 draws, timeScale 10. */
const DEMO_ARGS = [
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
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepfleet-demo-interrupt-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

for (const stopOnExit of [true, false]) {
  test(`GIVEN a running demo ${stopOnExit ? 'with' : 'without'} --stop-on-exit and no terminal WHEN Ctrl-C THEN the execution is stopped, exit 1, no process left`, async () => {
    const args = [...DEMO_ARGS];
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

test('GIVEN a terminal WHEN the demo runs and Ctrl-C is answered y THEN the view is redrawn in place, the question asked, the run stopped, no process left', async () => {
  // `exec`: script(1) runs the command through $SHELL, and a shell that stays in between (dash
  // does) is killed by the terminal's SIGINT itself, so script would report its 130.
  const command = `exec ${[process.execPath, BIN, ...DEMO_ARGS, '--out', dir].map((arg) => `'${arg}'`).join(' ')}`;
  // script(1) gives the CLI a pseudo-terminal: stdout is a TTY, and a ^C typed on its input is
  // turned into SIGINT by the terminal, as when a user presses Ctrl-C.
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // dash as the shell, as on a machine without $SHELL: the test must not depend on bash.
    env: { ...process.env, SHELL: '/bin/sh', COLUMNS: '100', LINES: '40' },
  });
  let text = '';
  child.stdout.on('data', (chunk) => (text += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp, what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${what} within 60 s:\n${JSON.stringify(text)}`)),
        60_000,
      );
      const check = () => {
        if (!pattern.test(text)) return;
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve();
      };
      child.stdout.on('data', check);
      check();
    });

  await waitFor(/batches {2}\d+ \/ 40 done/, 'Map Run on the view');
  child.stdin.write('\x03');
  await waitFor(/Stop the execution\? \[y\/N\]/, 'question');
  child.stdin.write('y\r');

  assert.equal(await exited, 1, JSON.stringify(text.slice(-2000)));
  const url = /local backend on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
  assert.ok(url);
  assert.ok(text.includes('\x1b[?25l'), 'the cursor is hidden while the view is drawn');
  assert.ok(text.includes('\x1b[5Fmonte-carlo'), 'the 5-line view is redrawn in place (cursor up 5)');
  assert.match(text, /stopping the execution \(Ctrl-C, confirmed\)/);
  assert.match(text, /ABORTED/);
  assert.ok(text.includes('\x1b[?25h'), 'the cursor is shown again');
  assert.deepEqual(await processesTalkingTo(url), [], 'no worker process is left');
});

test('GIVEN the demo writing its portfolio WHEN Ctrl-C THEN it stops there, closes the backend, exits 130, no process left', async () => {
  const child = spawn(process.execPath, [BIN, 'run', 'monte-carlo', '--items', '300000', '--out', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('preparing the data')) resolve();
    });
  });
  child.kill('SIGINT');

  assert.equal(await exited, 130, `${stdout}\n${stderr}`);
  assert.match(stderr, /stepfleet run: interrupted \(Ctrl-C\) before the run ended/);
  assert.doesNotMatch(stdout, /started arn:/, 'no execution was started');
  assert.match(stdout, /stopping the local backend and its workers/);
  const url = /local backend on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
  assert.ok(url);
  assert.deepEqual(await processesTalkingTo(url), []);
});
