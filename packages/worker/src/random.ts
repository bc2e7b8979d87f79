import { createHash } from 'node:crypto';

/**
 * The deterministic seed of a task: SHA-256 of the execution id and the JSON of the material
 * (the batch's items, or a plain input without its `stepfleet` block). The attempt is left
 * out on purpose, so a retry computes the same result.
 */
export function deriveSeed(executionId: string | undefined, material: unknown): string {
  return createHash('sha256')
    .update(executionId ?? '')
    .update('\n')
    .update(JSON.stringify(material) ?? 'null')
    .digest('hex');
}

/** A child seed (e.g. per item) of a seed. */
export function childSeed(seed: string, label: string | number): string {
  return createHash('sha256').update(seed).update(':').update(String(label)).digest('hex');
}

/**
 * A fast uniform [0, 1) generator (sfc32) from a hex seed of at least 32 hex chars. The same
 * seed gives the same sequence on every machine.
 */
export function createRandom(seed: string): () => number {
  if (!/^[0-9a-f]{32,}$/i.test(seed)) throw new RangeError('createRandom: seed must be 32+ hex chars');
  let a = Number.parseInt(seed.slice(0, 8), 16) | 0;
  let b = Number.parseInt(seed.slice(8, 16), 16) | 0;
  let c = Number.parseInt(seed.slice(16, 24), 16) | 0;
  let d = Number.parseInt(seed.slice(24, 32), 16) | 0;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // warm up: mix the seed words
  return next;
}
