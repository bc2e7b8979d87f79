/**
 * Deliberately broken station files, for the partial-failure policy and the fault suite. Each
 * kind is something real pipelines meet: a row a tool mangled, an upload cut short, a binary
 * object under a CSV prefix, a file of another dataset, an empty object.
 */
import { createRandom, type DatasetSeed } from './rng.ts';

/** The kinds of corrupt objects the generator can write. */
export const CORRUPTION_KINDS = ['malformed-row', 'truncated', 'binary', 'wrong-header', 'empty'] as const;

/** One kind of corrupt object. */
export type CorruptionKind = (typeof CORRUPTION_KINDS)[number];

/**
 * The bytes of a corrupt version of `csv` (a valid station file), of the given kind:
 * - `malformed-row`: a row in the middle loses its value and gains text (`…,TMAX,n/a,,`);
 * - `truncated`: cut in the middle of a row, after its third comma, about 60 % through;
 * - `binary`: 2 KiB of random bytes (NULs and invalid UTF-8 included);
 * - `wrong-header`: another dataset's header (NOAA GSOD's) over the same rows;
 * - `empty`: zero bytes.
 */
export function corruptCsv(csv: string, kind: CorruptionKind, seed: DatasetSeed, key: string): Uint8Array {
  const random = createRandom(seed, 'corrupt', key);
  const encoder = new TextEncoder();
  const lines = csv.split('\n');
  switch (kind) {
    case 'malformed-row': {
      const at = Math.max(1, Math.min(lines.length - 2, Math.floor(lines.length / 2)));
      const fields = lines[at]!.split(',');
      lines[at] = `${fields[0]},${fields[1]},${fields[2]},n/a,,`;
      return encoder.encode(lines.join('\n'));
    }
    case 'truncated': {
      const target = Math.floor(csv.length * 0.6);
      const rowStart = csv.lastIndexOf('\n', target) + 1;
      let cut = rowStart;
      for (let commas = 0; commas < 3; cut++) if (csv[cut] === ',') commas++;
      return encoder.encode(csv.slice(0, cut));
    }
    case 'binary': {
      const bytes = new Uint8Array(2048);
      for (let i = 0; i < bytes.length; i++) bytes[i] = random.int(0, 255);
      // A NUL and an invalid UTF-8 sequence early on, whatever the draw gave.
      bytes.set([0x00, 0xff, 0xfe], 16);
      return bytes;
    }
    case 'wrong-header':
      lines[0] = '"STATION","DATE","LATITUDE","LONGITUDE","ELEVATION","NAME","TEMP","TEMP_ATTRIBUTES"';
      return encoder.encode(lines.join('\n'));
    case 'empty':
      return new Uint8Array();
  }
}
