/**
 * The dataset as a plan: which station-year objects exist, under which keys, and which of them
 * are corrupt or missing. Pure, so the writer, the tests and a benchmark all see the same objects
 * without reading S3.
 */
import { CORRUPTION_KINDS, type CorruptionKind, corruptCsv } from './corruption.ts';
import { stationFileKey } from './ghcn-format.ts';
import { createRandom, type DatasetSeed } from './rng.ts';
import { stationYearCsv } from './station-file.ts';
import { generateStation, type Station } from './stations.ts';

/** Options of {@link planDataset}. */
export interface DatasetOptions {
  /** Number of stations (1 to 1,000,000). */
  readonly stations: number;
  /**
   * First year of observations.
   * @defaultValue 2020
   */
  readonly firstYear?: number;
  /**
   * Years per station (one object each).
   * @defaultValue 1
   */
  readonly years?: number;
  /** The dataset seed: the same seed gives the same objects. */
  readonly seed: DatasetSeed;
  /**
   * Key prefix of the station files (include a trailing `/` for a folder).
   * @defaultValue 'ghcn/by-station/'
   */
  readonly prefix?: string;
  /**
   * Objects written corrupt, chosen by the seed.
   * @defaultValue 0
   */
  readonly corrupt?: number;
  /**
   * Kinds of corruption, used in turn.
   * @defaultValue all of CORRUPTION_KINDS
   */
  readonly corruptKinds?: readonly CorruptionKind[];
  /**
   * Objects listed in the manifest but not written, chosen by the seed.
   * @defaultValue 0
   */
  readonly missing?: number;
}

/** One object of the dataset. */
export interface DatasetObject {
  readonly key: string;
  readonly station: Station;
  readonly year: number;
  /** `valid`, `corrupt` (written with `corruption`), or `missing` (listed, never written). */
  readonly fate: 'valid' | 'corrupt' | 'missing';
  readonly corruption?: CorruptionKind;
}

/** The resolved plan: every object, in key order. */
export interface DatasetPlan {
  readonly seed: DatasetSeed;
  readonly prefix: string;
  readonly objects: readonly DatasetObject[];
}

const MAX_STATIONS = 1_000_000;

/** The default manifest key of a data prefix: beside it, so a listing of the prefix does not see it. */
export function defaultManifestKey(prefix: string): string {
  return `${prefix.replace(/\/+$/, '') || 'dataset'}.manifest.json`;
}

/** The objects of a dataset; throws a RangeError naming a bad option. */
export function planDataset(options: DatasetOptions): DatasetPlan {
  const { stations, seed } = options;
  const firstYear = options.firstYear ?? 2020;
  const years = options.years ?? 1;
  const prefix = options.prefix ?? 'ghcn/by-station/';
  const corrupt = options.corrupt ?? 0;
  const missing = options.missing ?? 0;
  const kinds = options.corruptKinds ?? CORRUPTION_KINDS;
  integerIn('stations', stations, 1, MAX_STATIONS);
  integerIn('firstYear', firstYear, 1763, 9999);
  integerIn('years', years, 1, 100);
  if (firstYear + years - 1 > 9999) throw new RangeError('firstYear + years - 1 must be at most 9999');
  const total = stations * years;
  integerIn('corrupt', corrupt, 0, total);
  integerIn('missing', missing, 0, total - corrupt);
  if (corrupt > 0 && kinds.length === 0) throw new RangeError('corruptKinds must name at least one kind');
  for (const kind of kinds) {
    if (!CORRUPTION_KINDS.includes(kind)) {
      throw new RangeError(
        `corruptKinds: unknown kind ${JSON.stringify(kind)} (one of ${CORRUPTION_KINDS.join(', ')})`,
      );
    }
  }
  const objects: { key: string; station: Station; year: number }[] = [];
  for (let s = 0; s < stations; s++) {
    const station = generateStation(seed, s);
    for (let y = 0; y < years; y++) {
      objects.push({ key: stationFileKey(prefix, station.id, firstYear + y), station, year: firstYear + y });
    }
  }
  objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  // A partial Fisher-Yates shuffle picks the damaged objects: the first `corrupt`, then `missing`.
  const order = objects.map((_, i) => i);
  const random = createRandom(seed, 'faults');
  const damaged = corrupt + missing;
  for (let i = 0; i < damaged; i++) {
    const j = i + Math.floor(random.uniform() * (order.length - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const fates = new Map<number, Pick<DatasetObject, 'fate' | 'corruption'>>();
  for (let i = 0; i < damaged; i++) {
    fates.set(
      order[i]!,
      i < corrupt ? { fate: 'corrupt', corruption: kinds[i % kinds.length]! } : { fate: 'missing' },
    );
  }
  return {
    seed,
    prefix,
    objects: objects.map((o, i) => ({ ...o, ...(fates.get(i) ?? { fate: 'valid' as const }) })),
  };
}

/** The bytes of an object of the plan (`undefined` for a missing one). */
export function objectBody(plan: DatasetPlan, object: DatasetObject): Uint8Array | undefined {
  if (object.fate === 'missing') return undefined;
  const csv = stationYearCsv(plan.seed, object.station, object.year);
  if (object.fate === 'corrupt') return corruptCsv(csv, object.corruption!, plan.seed, object.key);
  return new TextEncoder().encode(csv);
}

function integerIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}
