import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashString64, philox4x32, seedKey, uniformFromWords } from '../src/rng.ts';

const hex = (words: Uint32Array): string[] => [...words].map((w) => w.toString(16).padStart(8, '0'));

test('Philox4x32-10 reproduces the Random123 known-answer vectors', () => {
  const out = new Uint32Array(4);
  // GIVEN the three published (counter, key) pairs of Random123's kat_vectors
  // WHEN each is encrypted THEN the words are the published ones.
  philox4x32(0, 0, 0, 0, 0, 0, out);
  assert.deepEqual(hex(out), ['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
  const ff = 0xffffffff;
  philox4x32(ff, ff, ff, ff, ff, ff, out);
  assert.deepEqual(hex(out), ['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
  philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
  assert.deepEqual(hex(out), ['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
});

test('the same counter and key always give the same words; a one-bit change gives others', () => {
  const a = new Uint32Array(4);
  const b = new Uint32Array(4);
  philox4x32(1, 2, 3, 4, 5, 6, a);
  philox4x32(1, 2, 3, 4, 5, 6, b);
  assert.deepEqual(a, b);
  philox4x32(1, 2, 3, 5, 5, 6, b);
  assert.notDeepEqual(a, b);
  philox4x32(1, 2, 3, 4, 5, 7, b);
  assert.notDeepEqual(a, b);
});

test('uniforms lie strictly inside (0, 1), also at the extreme words', () => {
  assert.ok(uniformFromWords(0, 0) > 0);
  assert.ok(uniformFromWords(0xffffffff, 0xffffffff) < 1);
  assert.equal(uniformFromWords(0x80000000, 0), 0.5 + 0.5 / 2 ** 52);
  assert.equal(uniformFromWords(0xffffffff, 0xffffffff), 1 - 0.5 / 2 ** 52);
});

test('uniforms from consecutive counters pass a chi-square test of 100 equal bins', () => {
  // GIVEN 200,000 uniforms (two per Philox call, as the kernel takes them)
  const bins = new Array<number>(100).fill(0);
  const out = new Uint32Array(4);
  const n = 200_000;
  for (let i = 0; i < n / 2; i++) {
    philox4x32(i, 7, 0, 0, 123, 456, out);
    bins[Math.floor(uniformFromWords(out[0]!, out[1]!) * 100)]!++;
    bins[Math.floor(uniformFromWords(out[2]!, out[3]!) * 100)]!++;
  }
  // THEN chi-square with 99 degrees of freedom stays under its 0.9999 quantile (≈ 160.4,
  // Wilson-Hilferty: 99·(1 − 2/891 + 3.719·√(2/891))³), and above its 0.0001 quantile (≈ 53).
  const expected = n / 100;
  const chi2 = bins.reduce((acc, o) => acc + (o - expected) ** 2 / expected, 0);
  assert.ok(chi2 < 160.4 && chi2 > 53, `chi-square ${chi2.toFixed(1)}`);
});

test('string hashes are deterministic and tell apart ids that differ in one character or length', () => {
  assert.deepEqual(hashString64('L000000001'), hashString64('L000000001'));
  const seen = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    const h = hashString64(`L${String(i).padStart(9, '0')}`);
    seen.add(`${h.hi}:${h.lo}`);
  }
  assert.equal(seen.size, 20_000);
  assert.notDeepEqual(hashString64('ab'), hashString64('ab\u0000'));
  assert.notDeepEqual(hashString64(''), hashString64('\u0000'));
});

test('seed keys: integers split into words, strings hash, bad seeds are refused by name', () => {
  assert.deepEqual(seedKey(0), { lo: 0, hi: 0 });
  assert.deepEqual(seedKey(2 ** 32 + 5), { lo: 5, hi: 1 });
  assert.deepEqual(seedKey('run-1'), hashString64('run-1'));
  assert.throws(() => seedKey(-1), /seed: must be a non-negative safe integer/);
  assert.throws(() => seedKey(1.5), /seed/);
  assert.throws(() => seedKey(''), /seed: must be a non-empty string/);
});
