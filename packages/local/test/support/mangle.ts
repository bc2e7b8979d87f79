/**
 * Mangled definitions for the robustness tests: deterministic copies of a definition with a few
 * values replaced by odd ones (or deleted), as they would arrive over the wire (JSON).
 */

/**
 * Values that break a definition in many ways: wrong types, empty or broken paths, broken
 * intrinsics and JSONata, containers where a scalar is expected, a stray state.
 */
export const ODD_VALUES: readonly unknown[] = [
  null,
  0,
  -1,
  1.5,
  '',
  'x',
  '$.',
  '$$',
  '$.list',
  '$$.Execution',
  'States.Array(1)',
  'States.Format(',
  '{% %}',
  '{% 1 %}',
  '{% $states.input. %}',
  'JSONata',
  [],
  [null],
  {},
  { Type: 'Pass' },
  { Next: 'D' },
  true,
];

/** Every path to a value inside a JSON value. */
export function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

/** How {@link mangled} mangles. */
export interface MangleOptions {
  /** How many copies. */
  readonly count: number;
  /** Seed of the generator (the same seed gives the same copies). */
  readonly seed: number;
  /** Each copy gets 1 to 1 + `maxExtraChanges` changes. */
  readonly maxExtraChanges: number;
  /** What a changed value becomes (or the key is deleted, one change in four). @defaultValue {@link ODD_VALUES} */
  readonly oddValues?: readonly unknown[];
}

/** A deterministic stream of mangled copies of `base`. */
export function* mangled(base: unknown, options: MangleOptions): Generator<Record<string | number, unknown>> {
  const all = paths(base).filter((p) => p.length > 0);
  const odd = options.oddValues ?? ODD_VALUES;
  let seed = options.seed;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < options.count; i++) {
    const copy = structuredClone(base) as Record<string | number, unknown>;
    for (let m = 0; m <= random(options.maxExtraChanges + 1); m++) {
      const path = all[random(all.length)]!;
      let parent: unknown = copy;
      for (const key of path.slice(0, -1))
        parent = (parent as Record<string | number, unknown> | undefined)?.[key];
      if (typeof parent !== 'object' || parent === null) continue;
      const last = path.at(-1)!;
      if (random(4) === 0) delete (parent as Record<string | number, unknown>)[last];
      else (parent as Record<string | number, unknown>)[last] = odd[random(odd.length)];
    }
    yield JSON.parse(JSON.stringify(copy));
  }
}
