/**
 * The station file format: GHCN-Daily "by station" CSV (NOAA's `csv/by_station/<ID>.csv`),
 * one row per station, day and element, with a header row. Values are integers: temperatures in
 * tenths of °C, precipitation in tenths of mm, snowfall in mm. A non-blank Q-FLAG means the value
 * failed a quality check and is not used.
 */

/** The header row: the GHCN-Daily by-station columns, in order. */
export const GHCN_COLUMNS = [
  'ID',
  'DATE',
  'ELEMENT',
  'DATA_VALUE',
  'M_FLAG',
  'Q_FLAG',
  'S_FLAG',
  'OBS_TIME',
] as const;

/** The header line of every station file. */
export const GHCN_HEADER = GHCN_COLUMNS.join(',');

/** The elements the generator writes (GHCN-Daily's core elements). */
export const ELEMENTS = {
  /** Daily maximum temperature, tenths of °C. */
  TMAX: 'TMAX',
  /** Daily minimum temperature, tenths of °C. */
  TMIN: 'TMIN',
  /** Precipitation, tenths of mm. */
  PRCP: 'PRCP',
  /** Snowfall, mm. */
  SNOW: 'SNOW',
} as const;

/** GHCN-Daily's value for "missing" in fixed-width files; skipped if it appears. */
export const MISSING_VALUE = -9999;

/** The key of a station-year object under `prefix`: `<prefix><station>/<year>.csv`. */
export function stationFileKey(prefix: string, station: string, year: number): string {
  return `${prefix}${station}/${year}.csv`;
}

/** Days in `year` (Gregorian). */
export function daysInYear(year: number): number {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 366 : 365;
}

/** `YYYYMMDD` of day `dayOfYear` (1-based) of `year`. */
export function dateOfDay(year: number, dayOfYear: number): string {
  const d = new Date(Date.UTC(year, 0, dayOfYear));
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}
