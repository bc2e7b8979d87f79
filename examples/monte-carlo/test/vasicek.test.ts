/**
 * Validation of the kernel against closed forms.
 *
 * Homogeneous portfolio (N loans, PD p, loss 1 each, correlation ρ): given Z, defaults are
 * Binomial(N, p(Z)) with p(Z) = Φ((Φ⁻¹(p) − √ρ·Z)/√(1−ρ)). As N → ∞ the default fraction has
 * Vasicek's distribution P(L ≤ x) = Φ((√(1−ρ)·Φ⁻¹(x) − Φ⁻¹(p))/√ρ).
 *
 * Tolerances are derived, not guessed: the M draws are independent, so the count of draws with
 * L ≤ x is Binomial(M, F(x)) and the empirical CDF has standard error √(F(1−F)/M). Each check
 * allows 4 standard errors (two-sided false alarm 6.3e-5 per point; with the seed fixed the
 * test is deterministic, the bound says how surprising a failure would be). The finite-N gap
 * F_N − F_∞ is computed exactly by quadrature over Z and added to the bound, not absorbed in it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PreparedLoan } from '../src/credit-model.ts';
import { type KernelPlan, simulateBatch } from '../src/kernel.ts';
import { normalCdf, normalPdf, normalQuantile } from '../src/normal.ts';
import { seedKey } from '../src/rng.ts';

function homogeneous(n: number, pd: number): PreparedLoan[] {
  return Array.from({ length: n }, (_, i) => ({ id: `H${i}`, eadCents: 1, lgd: 1, lossCents: 1, pds: [pd] }));
}

function simulateDefaults(n: number, pd: number, rho: number, draws: number, seed: number): Float64Array {
  const plan: KernelPlan = { key: seedKey(seed), draws, scenarioCount: 1, commonRandomNumbers: true };
  return simulateBatch(homogeneous(n, pd), new Float64Array(n).fill(rho), plan).losses;
}

/** Vasicek's limiting CDF of the default fraction. */
function vasicekCdf(x: number, pd: number, rho: number): number {
  return normalCdf((Math.sqrt(1 - rho) * normalQuantile(x) - normalQuantile(pd)) / Math.sqrt(rho));
}

/** Vasicek's quantile: the x with vasicekCdf(x) = q. */
function vasicekQuantile(q: number, pd: number, rho: number): number {
  return normalCdf((normalQuantile(pd) + Math.sqrt(rho) * normalQuantile(q)) / Math.sqrt(1 - rho));
}

/** P(Binomial(n, p) ≤ k) for every k in 0..n, summed from the mode outwards (no underflow). */
function binomialCdfAll(n: number, p: number): Float64Array {
  const weights = new Float64Array(n + 1);
  const mode = Math.min(n, Math.floor((n + 1) * p));
  weights[mode] = 1;
  const odds = p / (1 - p);
  for (let k = mode; k < n; k++) weights[k + 1] = (weights[k]! * (n - k) * odds) / (k + 1);
  for (let k = mode; k > 0; k--) weights[k - 1] = (weights[k]! * k) / ((n - k + 1) * odds);
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf = new Float64Array(n + 1);
  let running = 0;
  for (let k = 0; k <= n; k++) {
    running += weights[k]! / total;
    cdf[k] = running;
  }
  return cdf;
}

/** The exact finite-N CDF P(defaults ≤ k) = ∫ φ(z)·BinomCDF(k; N, p(z)) dz (trapezoid, h = 0.01). */
function finiteCdf(ks: readonly number[], n: number, pd: number, rho: number): number[] {
  const out = ks.map(() => 0);
  const h = 0.01;
  for (let z = -9; z <= 9; z += h) {
    const pz = normalCdf((normalQuantile(pd) - Math.sqrt(rho) * z) / Math.sqrt(1 - rho));
    if (pz <= 0 || pz >= 1) continue;
    const cdf = binomialCdfAll(n, pz);
    ks.forEach((k, j) => {
      out[j]! += normalPdf(z) * h * cdf[k]!;
    });
  }
  return out;
}

test('homogeneous portfolio: simulated loss quantiles match the Vasicek distribution within Monte Carlo error', () => {
  // GIVEN 2,000 loans with PD 5 %, loss 1 each, ρ = 0.2, and 5,000 draws
  const N = 2000;
  const pd = 0.05;
  const rho = 0.2;
  const M = 5000;
  const losses = simulateDefaults(N, pd, rho, M, 20240601);

  // WHEN the empirical CDF is read at Vasicek's quantiles for these levels
  const levels = [0.05, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];
  const ks = levels.map((q) => Math.floor(N * vasicekQuantile(q, pd, rho)));
  const exact = finiteCdf(ks, N, pd, rho);
  levels.forEach((q, j) => {
    const k = ks[j]!;
    const empirical = losses.reduce((count, l) => count + (l <= k ? 1 : 0), 0) / M;
    const limit = vasicekCdf(k / N, pd, rho);
    const finite = exact[j]!;
    // THEN it is within 4 standard errors of the exact finite-N CDF ...
    const se = Math.sqrt((finite * (1 - finite)) / M);
    assert.ok(Math.abs(empirical - finite) <= 4 * se, `q=${q}: F̂=${empirical} vs F_N=${finite} (se ${se})`);
    // ... and of Vasicek's limit, once the computed finite-N gap is allowed for
    const gap = Math.abs(finite - limit);
    assert.ok(gap < 0.01, `q=${q}: finite-N gap ${gap} too large for the limit to be a fair test`);
    assert.ok(Math.abs(empirical - limit) <= 4 * se + gap, `q=${q}: F̂=${empirical} vs Vasicek ${limit}`);
  });

  // AND the mean default fraction is p within 4 standard errors of the sample mean
  const mean = losses.reduce((a, b) => a + b, 0) / M / N;
  const sd = Math.sqrt(losses.reduce((a, b) => a + (b / N - mean) ** 2, 0) / (M - 1));
  assert.ok(Math.abs(mean - pd) <= (4 * sd) / Math.sqrt(M), `mean ${mean} vs ${pd}`);
});

test('the Vasicek check can fail: the wrong correlation is rejected', () => {
  // GIVEN the same portfolio simulated with ρ = 0.1 but judged against ρ = 0.2
  const N = 2000;
  const M = 5000;
  const losses = simulateDefaults(N, 0.05, 0.1, M, 20240601);
  const k = Math.floor(N * vasicekQuantile(0.99, 0.05, 0.2));
  const empirical = losses.reduce((count, l) => count + (l <= k ? 1 : 0), 0) / M;
  const se = Math.sqrt((0.99 * 0.01) / M);
  // THEN the tail quantile is far outside the tolerance
  assert.ok(Math.abs(empirical - 0.99) > 4 * se, `F̂=${empirical} should miss 0.99`);
});

test('zero correlation: defaults per draw follow the binomial distribution (chi-square)', () => {
  // GIVEN 500 independent loans with PD 2 % over 20,000 draws
  const N = 500;
  const pd = 0.02;
  const M = 20_000;
  const defaults = simulateDefaults(N, pd, 0, M, 7);
  const observed = new Array<number>(N + 1).fill(0);
  for (const d of defaults) observed[d]!++;

  // WHEN bins are merged so each expects at least 5 draws
  const cdf = binomialCdfAll(N, pd);
  const pmf = Array.from(cdf, (c, k) => c - (k > 0 ? cdf[k - 1]! : 0));
  const bins: { o: number; e: number }[] = [];
  let o = 0;
  let e = 0;
  for (let k = 0; k <= N; k++) {
    o += observed[k]!;
    e += pmf[k]! * M;
    if (e >= 5 && (1 - cdf[k]!) * M >= 5) {
      bins.push({ o, e });
      o = 0;
      e = 0;
    }
  }
  bins.push({ o, e });
  const chi2 = bins.reduce((acc, b) => acc + (b.o - b.e) ** 2 / b.e, 0);
  const df = bins.length - 1;
  // THEN chi-square stays below its 0.9999 quantile (Wilson-Hilferty, z = 3.719)
  const critical = df * (1 - 2 / (9 * df) + 3.719 * Math.sqrt(2 / (9 * df))) ** 3;
  assert.ok(chi2 < critical, `chi-square ${chi2.toFixed(1)} ≥ ${critical.toFixed(1)} with ${df} df`);

  // AND the mean and variance are N·p and N·p·(1−p) within 4 standard errors
  const mean = defaults.reduce((a, b) => a + b, 0) / M;
  const variance = defaults.reduce((a, b) => a + (b - mean) ** 2, 0) / (M - 1);
  const v = N * pd * (1 - pd);
  assert.ok(Math.abs(mean - N * pd) <= 4 * Math.sqrt(v / M), `mean ${mean}`);
  // Var of the sample variance ≈ (μ4 − v²)/M with μ4 = 3v² + v(1 − 6p(1−p)) for a binomial.
  const mu4 = 3 * v * v + v * (1 - 6 * pd * (1 - pd));
  assert.ok(Math.abs(variance - v) <= 4 * Math.sqrt((mu4 - v * v) / M), `variance ${variance} vs ${v}`);
});
