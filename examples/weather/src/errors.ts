/**
 * The example's errors. Each `name` is fixed: it is the error a failed item or task is reported
 * under (and what ASL Retry/Catch would match).
 */

/** A station file that cannot be read as GHCN-Daily CSV; the message names the object and the line. */
export class CorruptStationFileError extends Error {
  override readonly name = 'Weather.CorruptFile';
}

/** An object the item list names that does not exist (listed in a manifest, never written or deleted). */
export class MissingStationFileError extends Error {
  override readonly name = 'Weather.MissingFile';
}

/** A bad BatchInput field, named. */
export class WeatherInputError extends Error {
  override readonly name = 'Input.Invalid';
}

/** The Map Run's results cannot be aggregated (not a ResultWriter manifest, a malformed file). */
export class WeatherAggregationError extends Error {
  override readonly name = 'Weather.AggregationFailed';
}

/** More items failed than the job tolerates. */
export class TooManyFailedItemsError extends Error {
  override readonly name = 'Weather.TooManyFailedItems';
}

/** A failure the fault test mode asked for (`faults.throwOnKeys`). */
export class InjectedFaultError extends Error {
  override readonly name = 'Weather.InjectedFault';
}
