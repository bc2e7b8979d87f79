import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalCdf, normalPdf, normalQuantile } from '../src/normal.ts';

const close = (actual: number, expected: number, relative: number): void => {
  assert.ok(
    Math.abs(actual - expected) <= relative * Math.abs(expected),
    `${actual} differs from ${expected} by more than ${relative} relative`,
  );
};

// Reference values to 16+ significant digits (Wolfram Alpha / mpmath at 30 digits).
const QUANTILES: readonly [number, number][] = [
  [0.975, 1.959963984540054],
  [0.99, 2.3263478740408408],
  [0.999, 3.090232306167813],
  [0.3, -0.5244005127080407],
  [0.01, -2.3263478740408408],
  [1e-10, -6.361340902404056],
];

test('Φ⁻¹ (AS 241) matches reference quantiles to 1e-14 relative', () => {
  for (const [p, x] of QUANTILES) close(normalQuantile(p), x, 1e-14);
  assert.equal(normalQuantile(0.5), 0);
  assert.equal(normalQuantile(0), Number.NEGATIVE_INFINITY);
  assert.equal(normalQuantile(1), Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(normalQuantile(1.5)));
  assert.ok(Number.isNaN(normalQuantile(Number.NaN)));
});

test('Φ (Cody) matches reference values to 1e-14 relative, far into the lower tail', () => {
  const CDF: readonly [number, number][] = [
    [-1, 0.15865525393145705],
    [-2, 0.02275013194817921],
    [-3, 0.0013498980316300946],
    [-5, 2.866515718791939e-7],
    [-10, 7.619853024160527e-24],
    [-20, 2.7536241186062337e-89],
    [0.5, 0.6914624612740131],
  ];
  for (const [x, p] of CDF) close(normalCdf(x), p, 1e-14);
  assert.equal(normalCdf(0), 0.5);
  assert.equal(normalCdf(-40), 0);
  assert.equal(normalCdf(9), 1);
});

test('Φ(Φ⁻¹(p)) = p to within a few ulps of x, for p from 1e-290 to 0.999', () => {
  // Φ and Φ⁻¹ are independent algorithms: agreement bounds the error of both. Rounding x to
  // a double moves Φ(x) by a relative x²·ε (dΦ/Φ ≈ |x|·dx in the tail), so the bound is
  // 8·ε·(1 + x²): 2e-15 in the centre, 2.4e-12 at p = 1e-290.
  for (let e = -290; e <= -0.0005; e += 0.05) {
    const p = 10 ** e;
    const x = normalQuantile(p);
    const error = Math.abs(normalCdf(x) / p - 1);
    assert.ok(error <= 8 * Number.EPSILON * (1 + x * x), `p = ${p}: relative error ${error}`);
  }
});

test('Φ⁻¹ is odd and increasing across the region boundaries of AS 241', () => {
  // 1 − p must be exact for the identity to hold in doubles: powers of two and short decimals.
  for (const p of [0.075, 0.0749999, 0.3, 2 ** -17, 2 ** -40]) {
    close(normalQuantile(1 - p), -normalQuantile(p), 1e-9);
  }
  let previous = Number.NEGATIVE_INFINITY;
  for (const p of [
    1e-300,
    1e-12,
    Math.exp(-25) * 0.999,
    Math.exp(-25) * 1.001,
    0.0749,
    0.075,
    0.0751,
    0.5,
    0.925,
    0.9251,
  ]) {
    const x = normalQuantile(p);
    assert.ok(x > previous, `not increasing at p = ${p}`);
    previous = x;
  }
});

test('the density integrates to 1 and is the CDF derivative', () => {
  let sum = 0;
  for (let x = -10; x <= 10; x += 0.001) sum += normalPdf(x) * 0.001;
  close(sum, 1, 1e-9);
  const h = 1e-5;
  close((normalCdf(1 + h) - normalCdf(1 - h)) / (2 * h), normalPdf(1), 1e-8);
});
