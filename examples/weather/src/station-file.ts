/**
 * One station-year file of daily observations: TMAX, TMIN and PRCP every day the station
 * reported, SNOW at stations that measure it. Temperatures follow the station's seasonal curve
 * (a cosine peaking in summer of its hemisphere) plus day-to-day weather (an AR(1) anomaly); a
 * few days are missing (single days and one outage of a week or two in some years), and a few
 * values carry a quality flag (a spike, flagged as GHCN-Daily's checks would). Pure: the same
 * (seed, station, year) gives the same bytes.
 */
import { dateOfDay, daysInYear, ELEMENTS, GHCN_HEADER } from './ghcn-format.ts';
import { createRandom, type DatasetSeed } from './rng.ts';
import type { Station } from './stations.ts';

/** Chance that a day is missing outright. */
const MISSING_DAY_CHANCE = 0.02;
/** Chance that a year has one outage of several days. */
const OUTAGE_CHANCE = 0.3;
/** Chance that a TMAX value is a spike that failed quality control (Q-FLAG set). */
const FLAGGED_SPIKE_CHANCE = 0.003;
/** GHCN-Daily quality flags used for spikes: X bounds check, O outlier, S spatial. */
const QUALITY_FLAGS = ['X', 'O', 'S'] as const;

/** The CSV text of `station`'s observations in `year`, header included, ending in a newline. */
export function stationYearCsv(seed: DatasetSeed, station: Station, year: number): string {
  const random = createRandom(seed, 'observations', station.id, year);
  const days = daysInYear(year);
  const outage =
    random.uniform() < OUTAGE_CHANCE
      ? { from: random.int(1, days), length: random.int(5, 15) }
      : { from: 0, length: 0 };
  const lines: string[] = [GHCN_HEADER];
  const row = (date: string, element: string, value: number, qFlag = ''): void => {
    lines.push(
      `${station.id},${date},${element},${value},,${qFlag},${station.sourceFlag},${station.obsTime}`,
    );
  };
  let anomaly = random.normal() * 2;
  for (let day = 1; day <= days; day++) {
    // The weather goes on whether or not anyone writes it down.
    anomaly = 0.7 * anomaly + 2.4 * random.normal();
    const missing = random.uniform() < MISSING_DAY_CHANCE;
    if (missing || (day >= outage.from && day < outage.from + outage.length)) continue;
    const season = Math.cos((2 * Math.PI * (day - station.peakDay)) / days);
    const tmaxC = station.meanTmaxC + station.seasonalAmplitudeC * season + anomaly;
    const tminC = tmaxC - Math.max(1, station.diurnalRangeC + 1.5 * random.normal());
    const date = dateOfDay(year, day);
    if (random.uniform() < FLAGGED_SPIKE_CHANCE) {
      row(date, ELEMENTS.TMAX, Math.round(tmaxC * 10) + 200 + random.int(0, 300), random.pick(QUALITY_FLAGS));
    } else {
      row(date, ELEMENTS.TMAX, Math.round(tmaxC * 10));
    }
    row(date, ELEMENTS.TMIN, Math.round(tminC * 10));
    const wet = random.uniform() < station.wetDayChance;
    // Exponential amounts, mean 6 mm, in tenths of mm.
    const prcpTenths = wet ? Math.max(1, Math.round(-60 * Math.log(1 - random.uniform()))) : 0;
    row(date, ELEMENTS.PRCP, prcpTenths);
    if (station.reportsSnow) {
      // About 10 mm of snow per mm of water when the day stays near or below freezing.
      row(date, ELEMENTS.SNOW, tmaxC < 1.5 && prcpTenths > 0 ? prcpTenths : 0);
    }
  }
  return `${lines.join('\n')}\n`;
}
