/**
 * The whole job end to end, as `stepfleet run weather --local` runs it: the job module writes
 * the station files (some corrupt, some listed in the manifest but missing) to the local
 * backend's S3, the CLI deploys the generated state machine, the controller scales a fleet of
 * real worker processes (local ECS tasks) up and back to 0, the Distributed Map reads the
 * manifest, the batches report the bad files by key, and the aggregate step writes the table.
 * The result equals the reference computed in this process from the same seed, and another
 * partition of the same files gives the same bytes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import type { LocalBackend } from '@stepfleet/local';
import { runLocalJob, startRunBackend } from 'stepfleet';
import { whyNotSucceeded } from '../../../test/e2e/harness/explain-execution.ts';
import type { WeatherSummary } from '../src/aggregate-handler.ts';
import { planDataset } from '../src/dataset.ts';
import { weatherPlan, weatherRunDataset } from '../src/job-module.ts';
import { referenceMonthlyMaxima } from './reference.ts';

let backend: LocalBackend;
let outDir: string;

before(async () => {
  backend = await startRunBackend({ port: 0 });
  outDir = await mkdtemp(join(tmpdir(), 'weather-run-'));
});

after(async () => {
  await backend?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

test('stepfleet run weather: the per-month maxima of the reference, the bad files named, the fleet back at 0', async () => {
  // GIVEN 60 station files, 3 corrupt and 2 missing, in batches of 8 on 2 workers
  const options = { target: 'local' as const, items: 60, seed: 'e2e', batchSize: 8, workers: 2 };
  const extra = {
    corrupt: 3,
    missing: 2,
    toleratedFailurePercentage: 10,
    // Idle workers drop their scale-in protection after 1 s (15 s by default), so ScaleDown stops them at once.
    workerEnvironment: { STEPFLEET_PROTECTION_IDLE_RELEASE_MS: '1000' },
  };
  const out = new PassThrough();
  let printed = '';
  out.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
  });

  // WHEN the job runs as the CLI runs it
  const outcome = await runLocalJob({
    plan: weatherPlan(options, extra),
    backend,
    out,
    tty: false,
    outDir,
    refreshMs: 250,
  });

  // THEN it succeeds, and its table equals the reference over the good files
  assert.equal(outcome.status, 'SUCCEEDED', await whyNotSucceeded(backend, outcome, printed));
  const summary = (outcome.output as { result: WeatherSummary }).result;
  const plan = planDataset(weatherRunDataset(options, extra));
  const stored = JSON.parse(await readFile(join(outDir, 'weather-monthly-max.json'), 'utf8'));
  assert.deepEqual(
    stored.months.map(({ tmaxC: _, ...m }: { tmaxC: number }) => m),
    referenceMonthlyMaxima(plan),
  );
  // AND every bad file is named once, with its error; every other file was read once
  const bad = plan.objects.filter((o) => o.fate !== 'valid');
  assert.deepEqual(
    summary.failed.map((f) => [f.key, f.error]),
    bad.map((o) => [o.key, o.fate === 'missing' ? 'Weather.MissingFile' : 'Weather.CorruptFile']),
  );
  assert.deepEqual(summary.files, { total: 60, succeeded: 55, failed: 5 });
  assert.equal(summary.batches, Math.ceil(60 / 8));
  assert.equal(summary.months, 12);
  assert.match(printed, /month +max °C +station/);
  assert.match(printed, /55 of 60 files read, 5 failed/);
  assert.ok(outcome.files.some((f) => f.endsWith('weather-monthly-max.csv')));
  // AND another partition of the same files (batches of 25, one worker) gives the same bytes
  const again = await runLocalJob({
    plan: weatherPlan({ ...options, batchSize: 25, workers: 1 }, extra),
    backend,
    out: new PassThrough().resume(),
    tty: false,
    outDir: join(outDir, 'again'),
    refreshMs: 250,
  });
  assert.equal(again.status, 'SUCCEEDED', await whyNotSucceeded(backend, again));
  assert.equal((again.output as { result: WeatherSummary }).result.batches, Math.ceil(60 / 25));
  assert.equal(
    await readFile(join(outDir, 'again', 'weather-monthly-max.json'), 'utf8'),
    await readFile(join(outDir, 'weather-monthly-max.json'), 'utf8'),
  );
  // AND the fleet ends at 0 with no worker process left
  const observations = backend.ecs.observations;
  await observations.waitFor(
    () =>
      observations.tasks({}).length > 0 && observations.tasks({}).every((t) => t.stoppedAtMs !== undefined),
    10_000,
    'every worker process stopped',
  );
});

test('the fault test mode through the real pipeline: a crashed thread on the first attempt is retried, a thrown item is named', async () => {
  // GIVEN 24 clean station files, and faults on three of them, only on attempt 0
  const options = { target: 'local' as const, items: 24, seed: 'faults', batchSize: 6, workers: 1 };
  const keys = planDataset(weatherRunDataset(options, { corrupt: 0 })).objects.map((o) => o.key);
  // (A hang is tested in s3-pipeline.test.ts: here its deadline would have to be short enough to
  // wait for, and a cold worker under load can take that long on its first batch.)
  const faults = {
    throwOnKeys: [keys[1]!],
    crashThreadOnKey: keys[9]!,
    crashMode: 'uncaught' as const,
    attempts: 1,
  };
  const plan = weatherPlan(options, {
    corrupt: 0,
    faults,
    // One batch at a time: a crashed thread takes the batches it runs with it, which would retry them clean.
    tasksPerThread: 1,
    workerEnvironment: { STEPFLEET_PROTECTION_IDLE_RELEASE_MS: '1000' },
  });
  const before = new Set(backend.activities.stats().tasks.map((t) => t.taskId));
  // WHEN it runs
  const faultOut = new PassThrough();
  let faultPrinted = '';
  faultOut.on('data', (chunk: Buffer) => {
    faultPrinted += chunk.toString();
  });
  const outcome = await runLocalJob({
    plan,
    backend,
    out: faultOut,
    tty: false,
    outDir: join(outDir, 'faults'),
    refreshMs: 250,
  });
  // THEN it succeeds: the crashed batch was retried clean, the thrown item is named
  assert.equal(outcome.status, 'SUCCEEDED', await whyNotSucceeded(backend, outcome, faultPrinted));
  const summary = (outcome.output as { result: WeatherSummary }).result;
  assert.deepEqual(
    summary.failed.map((f) => [f.key, f.error]),
    [[keys[1], 'Weather.InjectedFault']],
  );
  assert.deepEqual(summary.files, { total: 24, succeeded: 23, failed: 1 });
  // AND the crash did happen, once (attempt 0), before the clean retry
  const failedTasks = backend.activities
    .stats()
    .tasks.filter((t) => !before.has(t.taskId) && t.status === 'FAILED')
    .map((t) => t.error)
    .sort();
  assert.deepEqual(failedTasks, ['Worker.Crashed']);
  const stored = JSON.parse(await readFile(join(outDir, 'faults', 'weather-monthly-max.json'), 'utf8'));
  assert.deepEqual(
    stored.months.map(({ tmaxC: _, ...m }: { tmaxC: number }) => m),
    referenceMonthlyMaxima(planDataset(weatherRunDataset(options, { corrupt: 0 })), new Set([keys[1]!])),
  );
});
