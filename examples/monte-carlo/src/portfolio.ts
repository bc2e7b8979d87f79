/**
 * A seeded synthetic loan portfolio. Loan i is a pure function of (seed, i), drawn from its
 * own Philox stream, so any slice of a portfolio of millions can be generated alone, in any
 * order, in parallel. The distributions are documented in README.md ("The synthetic portfolio").
 */

import { annualDebtService, BASE_PD_BY_GRADE } from './credit-model.ts';
import { type CollateralType, CREDIT_GRADES, type CreditGrade, type Loan, type LoanType } from './loan.ts';
import { normalQuantile } from './normal.ts';
import { type JobSeed, philox4x32, seedKey, uniformFromWords } from './rng.ts';

/** Counter word 3 of the generator's streams, apart from the simulation's. */
const GENERATOR_DOMAIN = 0x10a70001;

/** Sequential uniforms of loan `index`'s own stream: two per Philox call. */
class LoanStream {
  readonly #words = new Uint32Array(4);
  readonly #index: number;
  readonly #k0: number;
  readonly #k1: number;
  #block = 0;
  #half = 2;

  constructor(k0: number, k1: number, index: number) {
    this.#k0 = k0;
    this.#k1 = k1;
    this.#index = index;
  }

  uniform(): number {
    if (this.#half === 2) {
      philox4x32(
        this.#index % 4294967296,
        Math.floor(this.#index / 4294967296),
        this.#block++,
        GENERATOR_DOMAIN,
        this.#k0,
        this.#k1,
        this.#words,
      );
      this.#half = 0;
    }
    const h = this.#half++ * 2;
    return uniformFromWords(this.#words[h]!, this.#words[h + 1]!);
  }

  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  normal(): number {
    return normalQuantile(this.uniform());
  }

  pick<T>(weights: readonly (readonly [T, number])[]): T {
    let u = this.uniform() * weights.reduce((a, [, w]) => a + w, 0);
    for (const [value, w] of weights) {
      u -= w;
      if (u < 0) return value;
    }
    return weights[weights.length - 1]![0];
  }
}

interface TypeProfile {
  /** Share of loans by count. */
  readonly share: number;
  /** Grade mix, % by grade AAA..CCC. */
  readonly grades: readonly number[];
  /** Principal: lognormal median ($), log-sd, and clamp ($). */
  readonly medianDollars: number;
  readonly sigma: number;
  readonly minDollars: number;
  readonly maxDollars: number;
  readonly months: readonly [number, number];
  readonly floatingShare: number;
  /** Fixed rate range and floating spread range (annual decimals), best grade to worst. */
  readonly fixedRate: readonly [number, number];
  readonly spread: readonly [number, number];
  /** This loan's payments / income, best grade to worst. */
  readonly paymentToIncome: readonly [number, number];
  /** Other debt payments / income: uniform in [0, this]. */
  readonly otherDebtShare: number;
}

/** The portfolio's make-up by loan type (see README.md for the sources of the shapes). */
export const PORTFOLIO_PROFILE: Readonly<Record<LoanType, TypeProfile>> = {
  mortgage: {
    share: 0.4,
    grades: [5, 15, 30, 30, 13, 5, 2],
    medianDollars: 250_000,
    sigma: 0.55,
    minDollars: 30_000,
    maxDollars: 3_000_000,
    months: [24, 360],
    floatingShare: 0.25,
    fixedRate: [0.03, 0.075],
    spread: [0.0175, 0.035],
    paymentToIncome: [0.14, 0.38],
    otherDebtShare: 0.15,
  },
  personal: {
    share: 0.35,
    grades: [2, 8, 20, 30, 22, 13, 5],
    medianDollars: 12_000,
    sigma: 0.8,
    minDollars: 1_000,
    maxDollars: 150_000,
    months: [6, 84],
    floatingShare: 0.15,
    fixedRate: [0.07, 0.2],
    spread: [0.04, 0.13],
    paymentToIncome: [0.03, 0.2],
    otherDebtShare: 0.25,
  },
  commercial: {
    share: 0.25,
    grades: [1, 4, 15, 35, 28, 14, 3],
    medianDollars: 350_000,
    sigma: 1.1,
    minDollars: 25_000,
    maxDollars: 50_000_000,
    months: [12, 120],
    floatingShare: 0.7,
    fixedRate: [0.05, 0.11],
    spread: [0.015, 0.05],
    // Debt service / operating income = 1 / DSCR: DSCR from 3.0 (best) down to 1.1 (worst).
    paymentToIncome: [0.33, 0.9],
    otherDebtShare: 0.2,
  },
};

const TYPE_WEIGHTS = (Object.keys(PORTFOLIO_PROFILE) as LoanType[]).map(
  (t) => [t, PORTFOLIO_PROFILE[t].share] as const,
);

/** Collateral by type: kind, probability, and value as a multiple of the principal. */
function drawCollateral(type: LoanType, r: LoanStream, principal: number): [CollateralType, number] {
  if (type === 'mortgage') return ['real-estate', principal / r.between(0.4, 0.95)];
  if (type === 'personal') {
    return r.uniform() < 0.25 ? ['vehicle', principal * r.between(0.6, 1.1)] : ['none', 0];
  }
  const kind = r.pick<CollateralType>([
    ['real-estate', 40],
    ['equipment', 25],
    ['receivables', 20],
    ['none', 15],
  ]);
  const multiple = { 'real-estate': [0.8, 1.6], equipment: [0.4, 1], receivables: [0.3, 0.8], none: [0, 0] }[
    kind as 'real-estate' | 'equipment' | 'receivables' | 'none'
  ] as [number, number];
  return [kind, principal * r.between(multiple[0], multiple[1])];
}

/** The id of loan `index`: `L` and the index, zero-padded to 9 digits. */
export function loanId(index: number): string {
  return `L${String(index).padStart(9, '0')}`;
}

/**
 * Loan `index` of the portfolio with this seed. The policy rate sets floating loans' current
 * rate, from which the borrower's income is backed out (so DTI is realistic today).
 */
export function generateLoan(seed: JobSeed, index: number, policyRate = 0.0425): Loan {
  if (!Number.isSafeInteger(index) || index < 0)
    throw new RangeError(`loan index must be a safe integer >= 0, got ${index}`);
  const key = seedKey(seed);
  const r = new LoanStream(key.lo, key.hi, index);
  const type = r.pick(TYPE_WEIGHTS);
  const p = PORTFOLIO_PROFILE[type];
  const gradeIndex = CREDIT_GRADES.indexOf(r.pick(CREDIT_GRADES.map((g, k) => [g, p.grades[k]!] as const)));
  const grade: CreditGrade = CREDIT_GRADES[gradeIndex]!;
  // Worse grades sit higher in each range, with noise: 70 % grade, 30 % chance.
  const position = 0.7 * (gradeIndex / (CREDIT_GRADES.length - 1)) + 0.3 * r.uniform();
  const dollars = Math.min(
    p.maxDollars,
    Math.max(p.minDollars, p.medianDollars * Math.exp(p.sigma * r.normal())),
  );
  const principalCents = Math.round(dollars * 100);
  const remainingMonths = Math.round(r.between(p.months[0], p.months[1]));
  const floating = r.uniform() < p.floatingShare;
  const rate = floating
    ? p.spread[0] + (p.spread[1] - p.spread[0]) * position
    : p.fixedRate[0] + (p.fixedRate[1] - p.fixedRate[0]) * position;
  const currentRate = floating ? policyRate + rate : rate;
  const service = annualDebtService(principalCents, currentRate, remainingMonths);
  const paymentShare = p.paymentToIncome[0] + (p.paymentToIncome[1] - p.paymentToIncome[0]) * position;
  const annualIncomeCents = Math.max(1, Math.round(service / paymentShare));
  const otherDebtPaymentsCents = Math.round(annualIncomeCents * p.otherDebtShare * r.uniform());
  const [collateralType, collateralValue] = drawCollateral(type, r, principalCents);
  // The bank's own PD scatters around its grade's (log-sd 0.25).
  const basePd = Math.min(0.5, BASE_PD_BY_GRADE[grade] * Math.exp(0.25 * r.normal()));
  return {
    id: loanId(index),
    type,
    principalCents,
    rateType: floating ? 'floating' : 'fixed',
    rate: Math.round(rate * 1e6) / 1e6,
    remainingMonths,
    annualIncomeCents,
    otherDebtPaymentsCents,
    grade,
    basePd: Math.round(basePd * 1e7) / 1e7,
    collateralType,
    collateralValueCents: Math.round(collateralValue),
  };
}

/** Loans `from` (inclusive) to `to` (exclusive) of the portfolio, lazily. */
export function* generatePortfolio(
  seed: JobSeed,
  from: number,
  to: number,
  policyRate?: number,
): Generator<Loan> {
  for (let i = from; i < to; i++) yield generateLoan(seed, i, policyRate);
}
