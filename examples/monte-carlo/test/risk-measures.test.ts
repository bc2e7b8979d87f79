import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeUintVector, encodeUintVector } from '../src/codec.ts';
import {
  expectedShortfall,
  histogram,
  meanAndStandardError,
  valueAtRisk,
  valueAtRiskInterval,
} from '../src/risk-measures.ts';

test('integer vectors survive the varint codec exactly, up to 2^53 − 1', () => {
  const values = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 7, 123_456_789_012_345, Number.MAX_SAFE_INTEGER];
  const text = encodeUintVector(values);
  assert.deepEqual([...decodeUintVector(text, values.length)], values);
  // Small values are small: 1,000 zeros take 1,000 bytes before base64.
  assert.equal(Buffer.from(encodeUintVector(new Array(1000).fill(0)), 'base64').length, 1000);
});

test('the codec refuses what it cannot carry exactly, and malformed input', () => {
  assert.throws(() => encodeUintVector([1.5]), /value 0 is 1.5/);
  assert.throws(() => encodeUintVector([-1]), /not a non-negative safe integer/);
  assert.throws(() => encodeUintVector([2 ** 53]), /not a non-negative safe integer/);
  const text = encodeUintVector([1, 2, 3]);
  assert.throws(() => decodeUintVector(text, 4), /ended after 3 of 4/);
  assert.throws(() => decodeUintVector(text, 2), /1 bytes left/);
  assert.throws(
    () =>
      decodeUintVector(
        Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).toString('base64'),
        1,
      ),
    /exceeds 2\^53/,
  );
});

test('VaR is the ⌈αM⌉-th smallest draw; ES averages the worst (1−α)M draws with the boundary fraction', () => {
  // GIVEN the draws 1..1000
  const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
  // THEN VaR 99 % = 990, VaR 99.9 % = 999
  assert.equal(valueAtRisk(sorted, 0.99), 990);
  assert.equal(valueAtRisk(sorted, 0.999), 999);
  // AND ES 97.5 % = mean of the worst 25 = (976 + ... + 1000)/25 = 988
  assert.equal(expectedShortfall(sorted, 0.975), 988);
  // AND with M = 10 and α = 0.975 the tail is a quarter of the worst draw
  const ten = Float64Array.from({ length: 10 }, (_, i) => i + 1);
  assert.equal(expectedShortfall(ten, 0.975), 10);
  // AND with M = 30, (1−α)M = 0.75: the worst draw weighs 0.75, all of the tail
  const thirty = Float64Array.from({ length: 30 }, (_, i) => i + 1);
  assert.equal(expectedShortfall(thirty, 0.975), 30);
  // AND with M = 100, (1−α)M = 2.5: (100 + 99 + 0.5·98)/2.5
  const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assert.ok(Math.abs(expectedShortfall(hundred, 0.975) - (100 + 99 + 49) / 2.5) < 1e-12);
  // AND ES is never below VaR at the same level
  assert.ok(expectedShortfall(hundred, 0.99) >= valueAtRisk(hundred, 0.99));
});

test('the VaR interval brackets VaR, mean and standard error and histograms are right', () => {
  const sorted = Float64Array.from({ length: 10_000 }, (_, i) => i);
  const [lo, hi] = valueAtRiskInterval(sorted, 0.999);
  assert.ok(lo < valueAtRisk(sorted, 0.999) && valueAtRisk(sorted, 0.999) < hi);
  // 1.96·√(10000·0.999·0.001) = 6.19: ranks 9983 and 9997.
  assert.deepEqual([lo, hi], [9982, 9996]);
  const { mean, standardError } = meanAndStandardError([1, 2, 3, 4]);
  assert.equal(mean, 2.5);
  assert.ok(Math.abs(standardError - Math.sqrt(5 / 3 / 4)) < 1e-15);
  assert.deepEqual(histogram([0, 0.5, 1, 9.99, 10, 50], 10, 10), [2, 1, 0, 0, 0, 0, 0, 0, 0, 3]);
});
