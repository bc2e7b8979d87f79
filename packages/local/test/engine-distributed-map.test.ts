/**
 * A Distributed Map over 10,000 S3 objects, batched by 100, processed by real worker processes
 * polling the activity through client-sfn, with a fraction of batches failing once and retried:
 * every item processed, DescribeMapRun counts consistent at every look, ResultWriter output
 * complete. Then StopExecution in the middle of such a run leaves no running child and no
 * open activity task.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateActivityCommand,
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  type DescribeMapRunCommandOutput,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { LocalBackend } from '@stepfleet/local';
import { type SfnSession, startSfnSession } from './support/sfn-session.ts';

const OBJECTS = 10_000;
const BATCH = 100;
const WORKER = join(import.meta.dirname, 'conformance', 'activity-worker.ts');

let session: SfnSession;
let backend: LocalBackend;
let sfn: SFNClient;
let dir: string;
const workers: ChildProcess[] = [];

before(async () => {
  session = await startSfnSession({ timeScale: 20, activityPollSeconds: 20 });
  ({ backend, sfn } = session);
  dir = await mkdtemp(join(tmpdir(), 'stepfleet-dmap-'));
  await backend.s3.createBucket('dmap-input');
  await backend.s3.createBucket('dmap-results');
  for (let i = 0; i < OBJECTS; i += 200) {
    await Promise.all(
      Array.from({ length: 200 }, (_, j) =>
        backend.s3.putObject('dmap-input', `items/${String(i + j).padStart(5, '0')}.txt`, 'x'),
      ),
    );
  }
});

after(async () => {
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(
    workers.map((w) => (w.exitCode === null ? new Promise((r) => w.once('exit', r)) : undefined)),
  );
  await session.close();
  await rm(dir, { recursive: true, force: true });
});

function startWorkers(
  count: number,
  activityArn: string,
  name: string,
  failEvery: number,
  delayMs: number,
): string {
  const doneFile = join(dir, `${name}.done`);
  for (let i = 0; i < count; i++) {
    const child = spawn(process.execPath, [WORKER], {
      env: {
        ...process.env,
        ENDPOINT: backend.url,
        ACTIVITY_ARN: activityArn,
        WORKER_NAME: `${name}-${i}`,
        MARKER_DIR: dir,
        DONE_FILE: doneFile,
        FAIL_EVERY: String(failEvery),
        DELAY_MS: String(delayMs),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    workers.push(child);
  }
  return doneFile;
}

async function jobMachine(name: string, activityArn: string, maxConcurrency: number): Promise<string> {
  const definition = {
    StartAt: 'Process',
    States: {
      Process: {
        Type: 'Map',
        Label: 'Batches',
        MaxConcurrency: maxConcurrency,
        ItemReader: {
          Resource: 'arn:aws:states:::s3:listObjectsV2',
          Parameters: { Bucket: 'dmap-input', Prefix: 'items/' },
        },
        ItemBatcher: { MaxItemsPerBatch: BATCH, BatchInput: { 'job.$': '$$.Execution.Name' } },
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'dmap-results', Prefix: name },
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Work',
          States: {
            Work: {
              Type: 'Task',
              Resource: activityArn,
              HeartbeatSeconds: 60,
              TimeoutSeconds: 600,
              Retry: [{ ErrorEquals: ['Worker.Flaky'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 }],
              End: true,
            },
          },
        },
        End: true,
      },
    },
  };
  return session.machine(definition, { name });
}

/** Asserts the invariants DescribeMapRun must hold at any moment. */
function assertConsistent(run: DescribeMapRunCommandOutput, maxConcurrency: number): void {
  for (const counts of [run.itemCounts!, run.executionCounts!]) {
    const sum =
      counts.pending! +
      counts.running! +
      counts.succeeded! +
      counts.failed! +
      counts.timedOut! +
      counts.aborted!;
    assert.equal(sum, counts.total, `counts do not add up: ${JSON.stringify(counts)}`);
  }
  assert.ok(
    run.executionCounts!.running! <= maxConcurrency,
    `more children running than allowed: ${run.executionCounts!.running}`,
  );
  assert.equal(run.itemCounts!.running, run.executionCounts!.running! * BATCH);
}

test('10,000 objects in batches of 100 through worker processes: all processed, counts right throughout, results complete', async () => {
  // GIVEN an activity, three worker processes (every 7th batch fails once) and the job's state machine
  const activityArn = (await sfn.send(new CreateActivityCommand({ name: 'dmap-work' }))).activityArn!;
  const doneFile = startWorkers(3, activityArn, 'full', 7, 0);
  const machineArn = await jobMachine('dmap-full', activityArn, 20);
  // WHEN the job runs
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: machineArn, name: 'full-run' }),
  );
  const mapRunArn = await session.mapRunArnOf(executionArn!);
  let looks = 0;
  let sawRunning = false;
  for (;;) {
    const run = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
    assertConsistent(run, 20);
    looks++;
    sawRunning ||= run.executionCounts!.running! > 0;
    if (run.status !== 'RUNNING') break;
    await sleep(10);
  }
  // THEN the execution succeeds, every item was processed, and the counts and results say so
  const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  assert.equal(execution.status, 'SUCCEEDED', execution.cause);
  assert.ok(looks > 3 && sawRunning, `DescribeMapRun looked ${looks} times`);
  const run = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
  assert.equal(run.status, 'SUCCEEDED');
  assert.deepEqual(
    [
      run.itemCounts!.total,
      run.itemCounts!.succeeded,
      run.itemCounts!.resultsWritten,
      run.executionCounts!.total,
      run.executionCounts!.succeeded,
      run.executionCounts!.failed,
    ],
    [OBJECTS, OBJECTS, OBJECTS, OBJECTS / BATCH, OBJECTS / BATCH, 0],
  );
  const processed = new Set((await readFile(doneFile, 'utf8')).split('\n').filter(Boolean));
  assert.equal(processed.size, OBJECTS);

  const output = JSON.parse(execution.output!) as { ResultWriterDetails: { Bucket: string; Key: string } };
  const manifest = JSON.parse(await session.readObject('dmap-results', output.ResultWriterDetails.Key)) as {
    ResultFiles: { SUCCEEDED: { Key: string }[]; FAILED: unknown[] };
  };
  assert.deepEqual(manifest.ResultFiles.FAILED, []);
  const results = (
    await Promise.all(
      manifest.ResultFiles.SUCCEEDED.map(
        async (f) =>
          JSON.parse(await session.readObject('dmap-results', f.Key)) as {
            Input: string;
            Output: string;
            Status: string;
          }[],
      ),
    )
  ).flat();
  assert.equal(results.length, OBJECTS / BATCH);
  const keys = results.flatMap((r) =>
    (JSON.parse(r.Input) as { Items: { Key: string }[] }).Items.map((i) => i.Key),
  );
  assert.equal(new Set(keys).size, OBJECTS);
  assert.ok(
    results.every(
      (r) => r.Status === 'SUCCEEDED' && (JSON.parse(r.Output) as { count: number }).count === BATCH,
    ),
  );
});

test('StopExecution in the middle of a run leaves no running child and no open activity task', async () => {
  // GIVEN a slow run (workers take 50 ms a batch) well under way
  const activityArn = (await sfn.send(new CreateActivityCommand({ name: 'dmap-stop' }))).activityArn!;
  startWorkers(2, activityArn, 'stop', 0, 50);
  const machineArn = await jobMachine('dmap-stop', activityArn, 10);
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: machineArn, name: 'stopped-run' }),
  );
  const mapRunArn = await session.mapRunArnOf(executionArn!);
  for (;;) {
    const run = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
    assertConsistent(run, 10);
    if (run.executionCounts!.succeeded! >= 3 && run.executionCounts!.running! > 0) break;
    await sleep(10);
  }
  // WHEN the parent is stopped
  await sfn.send(new StopExecutionCommand({ executionArn, error: 'Test.Stop' }));
  // THEN no child runs, the Map Run is ABORTED with consistent counts, and no activity task is open
  const running = await sfn.send(new ListExecutionsCommand({ mapRunArn, statusFilter: 'RUNNING' }));
  assert.deepEqual(running.executions, []);
  const aborted = await sfn.send(new ListExecutionsCommand({ mapRunArn, statusFilter: 'ABORTED' }));
  assert.ok((aborted.executions?.length ?? 0) > 0);
  const run = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
  assert.equal(run.status, 'ABORTED');
  assertConsistent(run, 10);
  assert.equal(run.executionCounts!.running, 0);
  const stats = backend.activities.stats();
  assert.equal(stats.runningTasks, 0);
  assert.equal(stats.pendingTasks, 0);
  assert.equal((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status, 'ABORTED');
});
