/**
 * @stepfleet/example-weather: the highest temperature per month over many GHCN-Daily-style
 * station files in S3, on stepfleet. What the CLI, tests and benchmarks use; the handlers are
 * loaded by path (see {@link WEATHER_HANDLERS}).
 * @packageDocumentation
 */
export type { WeatherAggregateInput, WeatherSummary } from './aggregate-handler.ts';
export type { ResolvedWeatherBatchInput, WeatherBatchInput, WeatherFaults } from './batch-input.ts';
export { resolveWeatherBatchInput, weatherBatchInputSchema } from './batch-input.ts';
export type { CorruptionKind } from './corruption.ts';
export { CORRUPTION_KINDS, corruptCsv } from './corruption.ts';
export type { DatasetObject, DatasetOptions, DatasetPlan } from './dataset.ts';
export { defaultManifestKey, objectBody, planDataset } from './dataset.ts';
export type { DatasetSummary, DatasetWriterOptions } from './dataset-writer.ts';
export { writeDataset } from './dataset-writer.ts';
export {
  CorruptStationFileError,
  InjectedFaultError,
  MissingStationFileError,
  TooManyFailedItemsError,
  WeatherAggregationError,
  WeatherInputError,
} from './errors.ts';
export { CRASH_EXIT_CODE } from './faults.ts';
export { GHCN_COLUMNS, GHCN_HEADER, stationFileKey } from './ghcn-format.ts';
export type { StationFileItem } from './handler.ts';
export { ITEM_CONCURRENCY, processStationFile } from './handler.ts';
export type { WeatherJobOptions } from './job.ts';
export { WEATHER_HANDLERS, WEATHER_PREFIX, weatherJob } from './job.ts';
export type { MapRunResultsOptions } from './map-run-results.ts';
export { readMapRunResults } from './map-run-results.ts';
export type { MonthMax, StationMonthlyMax } from './monthly-max.ts';
export { StationFileScanner, scanStationFile } from './monthly-max.ts';
export type { FailedFile, MonthRecord, WeatherResult } from './monthly-maxima.ts';
export { MonthlyMaxima, resultCsv, WEATHER_RESULT_FORMAT } from './monthly-maxima.ts';
export { formatWeatherTable, readWeatherResult } from './result-store.ts';
export type { DatasetSeed } from './rng.ts';
export { stationYearCsv } from './station-file.ts';
export type { Station } from './stations.ts';
export { generateStation } from './stations.ts';
