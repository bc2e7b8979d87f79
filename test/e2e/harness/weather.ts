/**
 * The weather job (I/O-bound, per-item mode) at the fault suite's size, through the example's
 * job module, with its dataset's damage (corrupt and missing files) and its fault test mode; and
 * the checks of its result against the example's plain reference over the same dataset.
 */
import assert from 'node:assert/strict';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  type DatasetPlan,
  planDataset,
  readWeatherResult,
  type WeatherResult,
  type WeatherSummary,
} from '@stepfleet/example-weather';
import {
  type WeatherPlanOptions,
  weatherPlan,
  weatherRunDataset,
} from '@stepfleet/example-weather/job-module';
import type { JobPlan, JobRunOptions } from 'stepfleet';
import { referenceMonthlyMaxima } from '../../../examples/weather/test/reference.ts';
import { assertFleetEndsAtZero, type ExecutionRun, type FaultSuite } from './fault-suite.ts';
import { assertEachItemOnce, findManifest, RESULTS_BUCKET, readMapRunResults } from './result-writer.ts';

/** The suite's size: 120 one-year station files, 10 per batch. */
export const WEATHER_SIZE: JobRunOptions = {
  target: 'local',
  items: 120,
  batchSize: 10,
  workers: 2,
  threads: 1,
  seed: 'fault-suite',
};

/** A weather run and the dataset it writes (every object's key and fate). */
export interface WeatherScenario {
  readonly plan: JobPlan;
  readonly dataset: DatasetPlan;
}

/**
 * The weather job with `extra` damage and faults (no corrupt file unless asked), and a fleet
 * other than the suite's when asked (`workers`, `threads`: the same dataset).
 */
export function weatherScenario(
  extra: WeatherPlanOptions = {},
  fleet: Pick<JobRunOptions, 'workers' | 'threads'> = {},
): WeatherScenario {
  const options = { corrupt: 0, ...extra };
  const size = { ...WEATHER_SIZE, ...fleet };
  return {
    plan: weatherPlan(size, options),
    dataset: planDataset(weatherRunDataset(size, options)),
  };
}

/** Keys of the dataset's objects, all of them or those of one fate. */
export function datasetKeys(dataset: DatasetPlan, fate?: 'valid' | 'corrupt' | 'missing'): string[] {
  return dataset.objects.filter((o) => fate === undefined || o.fate === fate).map((o) => o.key);
}

/**
 * The checks of a weather run that promised success: SUCCEEDED, every item's result once in
 * the ResultWriter output, exactly `failedKeys` reported failed by name, the per-month table
 * equal to the reference over the other valid files, the fleet at 0 and its processes gone.
 */
export async function assertWeatherIntact(
  suite: FaultSuite,
  run: ExecutionRun,
  scenario: WeatherScenario,
  failedKeys: readonly string[],
): Promise<WeatherResult> {
  assert.equal(run.status, 'SUCCEEDED', `${run.error}: ${run.cause}\n${run.log}`);
  assert.ok(run.manifest, 'the Map Run wrote its results');
  await assertWeatherItemsOnce(suite.s3, run, scenario);
  const summary = (run.output as { result: WeatherSummary }).result;
  const result = await readWeatherResult(suite.s3, summary.resultUrl);
  assert.deepEqual(
    result.failed.map((f) => f.key).sort(),
    [...failedKeys].sort(),
    'exactly the damaged and faulted files are reported failed, by name',
  );
  assert.equal(result.files.total, scenario.dataset.objects.length);
  const expected = referenceMonthlyMaxima(scenario.dataset, new Set(failedKeys));
  assert.deepEqual(
    result.months.map(({ month, tmax, station, date, stations }) => ({
      month,
      tmax,
      station,
      date,
      stations,
    })),
    expected,
    'the per-month maxima equal the reference over the files read',
  );
  run.figures.items = scenario.dataset.objects.length;
  run.figures.failedItems = result.failed.length;
  await assertFleetEndsAtZero(suite, run);
  return result;
}

/** Every station file is an item of exactly one succeeded batch (damaged files are reported inside it). */
export async function assertWeatherItemsOnce(
  s3: S3Client,
  run: ExecutionRun,
  scenario: WeatherScenario,
): Promise<void> {
  const where = run.manifest ?? (await findManifest(s3, RESULTS_BUCKET, run.job));
  assert.ok(where, `the Map Run wrote its results\n${run.log}`);
  assertEachItemOnce(await readMapRunResults(s3, where), datasetKeys(scenario.dataset));
}
