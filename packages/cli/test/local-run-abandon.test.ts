/**
 * `runLocalJob` with a `signal`: a run abandoned mid-way (a test that timed out) stops its
 * watch and its reconcile loop, so the process ends by itself once the backend is closed, and
 * no worker process is left.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./fixtures/abandoned-run.ts', import.meta.url));

test('GIVEN a local run abandoned through its signal while workers hold batches THEN it rejects RunAbandonedError and the process exits by itself with no worker left', async (t) => {
  const child = spawn(process.execPath, [...process.execArgv, fixture], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  // A loop left running would keep the child alive: give it far more than a clean exit needs.
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  t.after(() => {
    clearTimeout(killer);
    child.kill('SIGKILL');
  });
  const [code, signal] = await once(child, 'exit');
  assert.equal(signal, null, `the child exited by itself (stdout: ${stdout}, stderr: ${stderr})`);
  assert.equal(code, 0, stderr);
  const seen = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    statusAtAbort: string;
    error: string;
    pids: number[];
  };
  assert.equal(seen.statusAtAbort, 'RUNNING', 'abandoned mid-run');
  assert.equal(seen.error, 'RunAbandonedError');
  assert.ok(seen.pids.length > 0, 'workers had started');
  for (const pid of seen.pids)
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `worker ${pid} is gone`);
});
