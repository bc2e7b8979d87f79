/**
 * The generator's random numbers: the worker SDK's seeded sfc32 generator, seeded with a SHA-256
 * of the dataset seed and a label, so each station-year file is a pure function of (seed,
 * station, year) and can be rebuilt on its own.
 */
import { createHash } from 'node:crypto';
import { createRandom as uniformFromHexSeed } from '@stepfleet/worker/handler';

/** A dataset seed: the same seed writes the same files. */
export type DatasetSeed = string | number;

/** A seeded stream of uniform and normal variates. */
export interface Random {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(values: readonly T[]): T;
}

/** A stream for `labels` under `seed`: equal inputs give equal streams. */
export function createRandom(seed: DatasetSeed, ...labels: (string | number)[]): Random {
  const hex = createHash('sha256')
    .update(JSON.stringify([String(seed), ...labels]))
    .digest('hex');
  const next = uniformFromHexSeed(hex);
  let spare: number | undefined;
  return {
    uniform: next,
    normal() {
      if (spare !== undefined) {
        const z = spare;
        spare = undefined;
        return z;
      }
      const r = Math.sqrt(-2 * Math.log(1 - next()));
      const angle = 2 * Math.PI * next();
      spare = r * Math.sin(angle);
      return r * Math.cos(angle);
    },
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (values) => values[Math.floor(next() * values.length)]!,
  };
}
