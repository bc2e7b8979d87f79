/**
 * The reduce step: per month, the highest TMAX across all stations (value, station, day), plus
 * the bookkeeping that says what the figure is made of (stations, files, failed files by key).
 * Commutative and associative with a total order on ties, so any batching, any order of batches
 * and any number of retries give the same result, byte for byte.
 */
import type { StationMonthlyMax } from './monthly-max.ts';

/** The format tag of {@link WeatherResult}. */
export const WEATHER_RESULT_FORMAT = 'stepfleet.weather.monthly-max/1';

/** A month's maximum across stations. */
export interface MonthRecord {
  /** `YYYY-MM`. */
  readonly month: string;
  /** Tenths of °C (GHCN's unit). */
  readonly tmax: number;
  /** °C. */
  readonly tmaxC: number;
  readonly station: string;
  /** `YYYYMMDD`. */
  readonly date: string;
  /** Stations with at least one usable TMAX in the month. */
  readonly stations: number;
}

/** A file that could not be used, by key. */
export interface FailedFile {
  readonly key: string;
  /** The error name (`Weather.CorruptFile`, `Weather.MissingFile`, `Worker.Crashed`, ...). */
  readonly error: string;
  /** What went wrong, in one line. */
  readonly message: string;
}

/** The job's result. */
export interface WeatherResult {
  readonly format: typeof WEATHER_RESULT_FORMAT;
  readonly months: readonly MonthRecord[];
  /** Distinct stations among the files read. */
  readonly stations: number;
  readonly files: { readonly total: number; readonly succeeded: number; readonly failed: number };
  /** Failed files as a percentage of all files. */
  readonly failedPercentage: number;
  /** Every failed file, sorted by key. */
  readonly failed: readonly FailedFile[];
}

interface Best {
  tmax: number;
  station: string;
  date: string;
  stations: number;
}

/** Whether (tmax, date, station) `a` beats `b`: higher value, then earlier day, then smaller station id. */
function beats(a: { tmax: number; date: string; station: string }, b: Best): boolean {
  if (a.tmax !== b.tmax) return a.tmax > b.tmax;
  if (a.date !== b.date) return a.date < b.date;
  return a.station < b.station;
}

/** Accumulates station files and failures into a {@link WeatherResult}. */
export class MonthlyMaxima {
  readonly #months = new Map<string, Best>();
  readonly #stations = new Set<string>();
  readonly #failed = new Map<string, FailedFile>();
  readonly #succeeded = new Set<string>();

  /** Adds one station file's monthly maxima. A key seen before (a retried batch) counts once. */
  addStationFile(file: StationMonthlyMax): void {
    if (this.#succeeded.has(file.key)) return;
    this.#succeeded.add(file.key);
    this.#failed.delete(file.key);
    if (file.station !== null) this.#stations.add(file.station);
    for (const m of file.months) {
      const best = this.#months.get(m.month);
      const candidate = { tmax: m.tmax, date: m.date, station: file.station ?? '' };
      if (!best) this.#months.set(m.month, { ...candidate, stations: 1 });
      else {
        best.stations++;
        if (beats(candidate, best)) Object.assign(best, candidate);
      }
    }
  }

  /** Records a file that failed; ignored when the same key succeeded elsewhere. */
  addFailure(failure: FailedFile): void {
    if (!this.#succeeded.has(failure.key) && !this.#failed.has(failure.key))
      this.#failed.set(failure.key, failure);
  }

  /** Files that failed so far. */
  get failedCount(): number {
    return this.#failed.size;
  }

  /** The result: months in order, failures by key. */
  finish(): WeatherResult {
    const months = [...this.#months]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([month, b]) => ({
        month,
        tmax: b.tmax,
        tmaxC: b.tmax / 10,
        station: b.station,
        date: b.date,
        stations: b.stations,
      }));
    const failed = [...this.#failed.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    const total = this.#succeeded.size + failed.length;
    return {
      format: WEATHER_RESULT_FORMAT,
      months,
      stations: this.#stations.size,
      files: { total, succeeded: this.#succeeded.size, failed: failed.length },
      failedPercentage: total === 0 ? 0 : Math.round((failed.length / total) * 1e6) / 1e4,
      failed,
    };
  }
}

/** The result as CSV: one row per month (`month,tmax_c,station,date,stations`). */
export function resultCsv(result: WeatherResult): string {
  const rows = result.months.map(
    (m) => `${m.month},${m.tmaxC.toFixed(1)},${m.station},${m.date},${m.stations}`,
  );
  return `${['month,tmax_c,station,date,stations', ...rows].join('\n')}\n`;
}
