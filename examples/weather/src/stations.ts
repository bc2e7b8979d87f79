/**
 * Synthetic weather stations in the style of the GHCN-Daily station list (`ghcnd-stations.txt`):
 * an 11-character id (2-letter FIPS country code, 1-character network code, 8-character station
 * number), latitude, longitude, elevation and the climate figures the generator draws from.
 */
import { createRandom, type DatasetSeed } from './rng.ts';

/** A station and its climate. */
export interface Station {
  /** GHCN-Daily style id, e.g. `USW00013874`. */
  readonly id: string;
  readonly latitude: number;
  readonly longitude: number;
  /** Metres above sea level. */
  readonly elevationM: number;
  /** Mean annual daily maximum temperature, °C. */
  readonly meanTmaxC: number;
  /** Half the annual swing of the daily maximum, °C. */
  readonly seasonalAmplitudeC: number;
  /** Day of the year when the daily maximum peaks (late July north, late January south). */
  readonly peakDay: number;
  /** Mean diurnal temperature range (TMAX - TMIN), °C. */
  readonly diurnalRangeC: number;
  /** Chance that a day has precipitation. */
  readonly wetDayChance: number;
  /** Whether the station reports snowfall (SNOW). */
  readonly reportsSnow: boolean;
  /** GHCN-Daily source flag of its records (S-FLAG). */
  readonly sourceFlag: string;
  /** Observation time (OBS-TIME, HHMM) or `''` when the source gives none. */
  readonly obsTime: string;
}

/** Countries the generator places stations in: FIPS code, network code, latitude band, longitude band. */
const REGIONS = [
  { country: 'US', network: 'W', lat: [25, 48], lon: [-124, -70], source: 'W', obsTime: '2400', snow: true },
  { country: 'US', network: 'C', lat: [30, 47], lon: [-120, -75], source: '7', obsTime: '0700', snow: true },
  { country: 'CA', network: '0', lat: [43, 68], lon: [-135, -55], source: 'C', obsTime: '', snow: true },
  { country: 'GM', network: '0', lat: [47, 55], lon: [6, 15], source: 'E', obsTime: '', snow: false },
  { country: 'FI', network: '0', lat: [60, 69], lon: [21, 30], source: 'E', obsTime: '', snow: true },
  { country: 'JA', network: '0', lat: [31, 44], lon: [130, 145], source: 'S', obsTime: '', snow: false },
  { country: 'IN', network: '0', lat: [8, 32], lon: [70, 90], source: 'S', obsTime: '', snow: false },
  { country: 'BR', network: '0', lat: [-30, -2], lon: [-60, -35], source: 'S', obsTime: '', snow: false },
  { country: 'AS', network: 'N', lat: [-43, -12], lon: [115, 153], source: 'a', obsTime: '', snow: false },
  { country: 'SF', network: '0', lat: [-34, -22], lon: [18, 32], source: 'S', obsTime: '', snow: false },
] as const;

/** Station numbers are a bijection of the index modulo 10^8 (7919 is prime to 10^8): unique, not sequential. */
const stationNumber = (index: number): string =>
  String((index * 7919 + 10_007) % 100_000_000).padStart(8, '0');

/** Station `index` of the dataset `seed`. */
export function generateStation(seed: DatasetSeed, index: number): Station {
  if (!Number.isSafeInteger(index) || index < 0 || index >= 100_000_000) {
    throw new RangeError(`station index must be an integer in [0, 1e8), got ${index}`);
  }
  const random = createRandom(seed, 'station', index);
  const region = random.pick(REGIONS);
  const latitude = round(region.lat[0] + random.uniform() * (region.lat[1] - region.lat[0]), 4);
  const longitude = round(region.lon[0] + random.uniform() * (region.lon[1] - region.lon[0]), 4);
  // Most stations are low; a few are in the mountains.
  const elevationM = Math.round(
    random.uniform() < 0.85 ? random.uniform() * 400 : 400 + random.uniform() * 2200,
  );
  const absLat = Math.abs(latitude);
  // Daily maxima: about 33 °C near the equator, falling with latitude and 6.5 °C per km of height.
  const meanTmaxC = 33 - 0.45 * Math.max(0, absLat - 10) - 0.0065 * elevationM + random.normal();
  const seasonalAmplitudeC = Math.max(1.5, 0.32 * absLat - 1.5 + random.normal());
  return {
    id: `${region.country}${region.network}${stationNumber(index)}`,
    latitude,
    longitude,
    elevationM,
    meanTmaxC: round(meanTmaxC, 2),
    seasonalAmplitudeC: round(seasonalAmplitudeC, 2),
    peakDay: (latitude >= 0 ? 200 : 17) + random.int(-8, 8),
    diurnalRangeC: round(8 + random.uniform() * 5, 2),
    wetDayChance: round(0.2 + random.uniform() * 0.25, 3),
    reportsSnow: region.snow,
    sourceFlag: region.source,
    obsTime: region.obsTime,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
