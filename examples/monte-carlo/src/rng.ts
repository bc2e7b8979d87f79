/**
 * Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel Random
 * Numbers: As Easy as 1, 2, 3", SC11, 2011). A random number is a pure function of a 128-bit
 * counter and a 64-bit key, so a loan's draws depend only on (job seed, scenario stream, draw,
 * loan id): never on the batch it lands in, the order, the fleet size or a retry.
 *
 * Philox4x32-10 passes TestU01's BigCrush; its known-answer vectors (Random123 `kat_vectors`)
 * are checked in the tests.
 */

// Philox4x32 round multipliers and Weyl key increments (Random123).
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const M0_LO = M0 & 0xffff;
const M0_HI = M0 >>> 16;
const M1_LO = M1 & 0xffff;
const M1_HI = M1 >>> 16;

/**
 * High 32 bits of the 64-bit product of a uint32 and a constant split into 16-bit halves.
 * JavaScript numbers hold 53 bits, so the product is assembled from four 32-bit partials.
 */
function mulHi(a: number, bLo: number, bHi: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const ll = aLo * bLo;
  const lh = aLo * bHi;
  const hl = aHi * bLo;
  const carry = ((ll >>> 16) + (lh & 0xffff) + (hl & 0xffff)) >>> 16;
  return (aHi * bHi + (lh >>> 16) + (hl >>> 16) + carry) >>> 0;
}

/**
 * Philox4x32-10: encrypts the counter `(c0, c1, c2, c3)` under the key `(k0, k1)` and writes
 * the four 32-bit output words into `out`. All arguments are uint32. No allocation.
 */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let x2 = c2 >>> 0;
  let x3 = c3 >>> 0;
  let key0 = k0 >>> 0;
  let key1 = k1 >>> 0;
  for (let round = 0; round < 10; round++) {
    const hi0 = mulHi(x0, M0_LO, M0_HI);
    const lo0 = Math.imul(x0, M0) >>> 0;
    const hi1 = mulHi(x2, M1_LO, M1_HI);
    const lo1 = Math.imul(x2, M1) >>> 0;
    x0 = (hi1 ^ x1 ^ key0) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ key1) >>> 0;
    x3 = lo0;
    key0 = (key0 + W0) >>> 0;
    key1 = (key1 + W1) >>> 0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}

const TWO_POW_26 = 67108864;
const TWO_POW_52 = 4503599627370496;

/**
 * A uniform in the open interval (0, 1) from two 32-bit words: 52 random bits k, mapped to
 * (k + ½)/2⁵², which is exact in a double, so neither 0 nor 1 can occur (Φ⁻¹ of either is
 * infinite). With 53 bits the largest value would round up to 1.
 */
export function uniformFromWords(hi: number, lo: number): number {
  return ((hi >>> 6) * TWO_POW_26 + (lo >>> 6) + 0.5) / TWO_POW_52;
}

/** A 64-bit key or hash as two uint32 words. */
export interface Words64 {
  readonly lo: number;
  readonly hi: number;
}

// A fixed key for hashing strings (the first 64 bits of the fractional part of e).
const HASH_KEY0 = 0xb7e15162;
const HASH_KEY1 = 0x8aed2a6a;

/**
 * A 64-bit hash of a string: a sponge over the Philox permutation (fixed key), absorbing two
 * UTF-16 code units per round. Used to turn loan ids and string seeds into counter words;
 * collisions among a million ids have a probability of about 3·10⁻⁸.
 */
export function hashString64(text: string): Words64 {
  const state = new Uint32Array(4);
  let s0 = text.length >>> 0;
  let s1 = 0x243f6a88;
  let s2 = 0x85a308d3;
  let s3 = 0;
  for (let i = 0; i < text.length; i += 2) {
    const block = (text.charCodeAt(i) | ((i + 1 < text.length ? text.charCodeAt(i + 1) : 0) << 16)) >>> 0;
    philox4x32(s0 ^ block, s1, s2, s3 ^ i, HASH_KEY0, HASH_KEY1, state);
    s0 = state[0]!;
    s1 = state[1]!;
    s2 = state[2]!;
    s3 = state[3]!;
  }
  philox4x32(s0, s1, s2, s3, HASH_KEY0 ^ 0xffffffff, HASH_KEY1, state);
  return { lo: state[0]!, hi: state[1]! };
}

/** A job seed: a non-negative safe integer, or any non-empty string (hashed to 64 bits). */
export type JobSeed = number | string;

/** The Philox key of a job seed. Throws a RangeError naming the problem for a bad seed. */
export function seedKey(seed: JobSeed): Words64 {
  if (typeof seed === 'string') {
    if (seed.length === 0) throw new RangeError('seed: must be a non-empty string or a safe integer');
    return hashString64(seed);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed: must be a non-negative safe integer or a string, got ${seed}`);
  }
  return { lo: (seed % 4294967296) >>> 0, hi: Math.floor(seed / 4294967296) >>> 0 };
}
