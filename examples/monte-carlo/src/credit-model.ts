/**
 * The credit model of one loan under one rate scenario: base PD from the grade, the stressed
 * PD from the rise in debt-to-income a rate shock causes on a floating-rate loan, LGD from the
 * collateral, EAD and the loss given default in integer cents. README.md gives the math and the
 * sources of every parameter.
 */
import type { CollateralType, CreditGrade, Loan } from './loan.ts';

/**
 * 1-year base PD by grade: long-run average 1-year default rates of S&P's global corporate
 * ratings (1981-2023, rounded), floored at 0.03 % (EU CRR art. 160(1); Basel II's floor).
 */
export const BASE_PD_BY_GRADE: Readonly<Record<CreditGrade, number>> = {
  AAA: 0.0003,
  AA: 0.0003,
  A: 0.0005,
  BBB: 0.0015,
  BB: 0.006,
  B: 0.031,
  CCC: 0.265,
};

/** LGD of the unsecured part of a loan, by loan type (Basel F-IRB senior unsecured is 45 %). */
export const UNSECURED_LGD = { personal: 0.75, commercial: 0.45, mortgage: 0.45 } as const;

/** Share of the collateral's market value lost in a forced sale (costs, discount, time). */
export const COLLATERAL_HAIRCUT: Readonly<Record<CollateralType, number>> = {
  none: 1,
  'real-estate': 0.3,
  vehicle: 0.45,
  equipment: 0.5,
  receivables: 0.35,
};

/** LGD floors by collateral, after the Basel III A-IRB LGD input floors (CRE32), simplified. */
export const LGD_FLOOR: Readonly<Record<CollateralType, number>> = {
  none: 0.25,
  'real-estate': 0.05,
  vehicle: 0.15,
  equipment: 0.15,
  receivables: 0.1,
};

/** A policy-rate scenario. */
export interface Scenario {
  /** Shown in tables and charts, e.g. `+200 bp`. */
  readonly name: string;
  /** The parallel shift of the policy rate, in basis points (may be negative). */
  readonly shockBp: number;
}

/** Parameters of the PD stress mapping. */
export interface CreditModelOptions {
  /**
   * The policy rate today, as an annual decimal; floating loans pay it plus their spread.
   * @defaultValue 0.0425
   */
  readonly policyRate?: number;
  /**
   * β: the change in log-odds of default per unit change in debt-to-income
   * (logit(PDₛ) = logit(PD₀) + β·ΔDTI). 6 means +10 points of DTI multiply the odds by 1.8.
   * @defaultValue 6
   */
  readonly dtiLogitSensitivity?: number;
  /**
   * Bound on |β·ΔDTI|, so a tiny income cannot send a PD to 1: 3 is odds × 20.
   * @defaultValue 3
   */
  readonly maxLogitShift?: number;
  /**
   * Lowest PD after stress (CRR art. 160(1)).
   * @defaultValue 0.0003
   */
  readonly pdFloor?: number;
  /**
   * Highest PD after stress (a performing loan is not yet in default).
   * @defaultValue 0.99
   */
  readonly pdCap?: number;
}

/** {@link CreditModelOptions} with every field set. */
export type ResolvedCreditModelOptions = Required<CreditModelOptions>;

/** The defaults of {@link CreditModelOptions}. */
export const CREDIT_MODEL_DEFAULTS: ResolvedCreditModelOptions = {
  policyRate: 0.0425,
  dtiLogitSensitivity: 6,
  maxLogitShift: 3,
  pdFloor: 0.0003,
  pdCap: 0.99,
};

/** Fills in defaults and checks ranges; throws a RangeError naming the field. */
export function resolveCreditModelOptions(options: CreditModelOptions = {}): ResolvedCreditModelOptions {
  const o = { ...CREDIT_MODEL_DEFAULTS, ...stripUndefined(options) };
  const check = (ok: boolean, field: string, value: number, range: string): void => {
    if (!ok) throw new RangeError(`${field} must be ${range}, got ${value}`);
  };
  check(
    Number.isFinite(o.policyRate) && o.policyRate >= -0.05 && o.policyRate <= 0.5,
    'policyRate',
    o.policyRate,
    'in [-0.05, 0.5]',
  );
  check(
    Number.isFinite(o.dtiLogitSensitivity) && o.dtiLogitSensitivity >= 0 && o.dtiLogitSensitivity <= 100,
    'dtiLogitSensitivity',
    o.dtiLogitSensitivity,
    'in [0, 100]',
  );
  check(
    Number.isFinite(o.maxLogitShift) && o.maxLogitShift >= 0 && o.maxLogitShift <= 20,
    'maxLogitShift',
    o.maxLogitShift,
    'in [0, 20]',
  );
  check(o.pdFloor > 0 && o.pdFloor < 0.5, 'pdFloor', o.pdFloor, 'in (0, 0.5)');
  check(o.pdCap > o.pdFloor && o.pdCap < 1, 'pdCap', o.pdCap, 'in (pdFloor, 1)');
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Payments over the next 12 months of an annuity loan with `principal` outstanding, paid
 * monthly over `months` more months at `annualRate` (rate/12 a month; 0 % repays linearly).
 */
export function annualDebtService(principal: number, annualRate: number, months: number): number {
  const i = Math.max(0, annualRate) / 12;
  const payment = i === 0 ? principal / months : (principal * i) / (1 - (1 + i) ** -months);
  return payment * Math.min(12, months);
}

/** The loan's annual rate under a policy-rate shock (floating rates are floored at 0). */
export function loanRate(loan: Loan, shockBp: number, policyRate: number): number {
  if (loan.rateType === 'fixed') return loan.rate;
  return Math.max(0, policyRate + shockBp / 10000 + loan.rate);
}

/** Debt-to-income: (this loan's and other debt payments over a year) / annual income. */
export function debtToIncome(loan: Loan, shockBp: number, policyRate: number): number {
  const service = annualDebtService(
    loan.principalCents,
    loanRate(loan, shockBp, policyRate),
    loan.remainingMonths,
  );
  return (service + loan.otherDebtPaymentsCents) / loan.annualIncomeCents;
}

const logit = (p: number): number => Math.log(p / (1 - p));
const logistic = (x: number): number => 1 / (1 + Math.exp(-x));

/** The loan's 1-year PD before stress: its own `basePd`, else its grade's, within the bounds. */
export function basePd(loan: Loan, o: ResolvedCreditModelOptions): number {
  return Math.min(o.pdCap, Math.max(o.pdFloor, loan.basePd ?? BASE_PD_BY_GRADE[loan.grade]));
}

/**
 * The stressed PD: logit(PDₛ) = logit(PD₀) + clamp(β·(DTIₛ − DTI₀), ±maxLogitShift), bounded to
 * [pdFloor, pdCap]. A fixed-rate loan's payment does not move, so its PD does not either.
 */
export function stressedPd(loan: Loan, shockBp: number, o: ResolvedCreditModelOptions): number {
  const pd0 = basePd(loan, o);
  if (loan.rateType === 'fixed' || shockBp === 0) return pd0;
  const deltaDti = debtToIncome(loan, shockBp, o.policyRate) - debtToIncome(loan, 0, o.policyRate);
  const shift = Math.max(-o.maxLogitShift, Math.min(o.maxLogitShift, o.dtiLogitSensitivity * deltaDti));
  return Math.min(o.pdCap, Math.max(o.pdFloor, logistic(logit(pd0) + shift)));
}

/**
 * LGD from collateral: the unsecured LGD applied to the part of the exposure the collateral,
 * after its haircut, does not cover; never below the collateral's floor.
 * LGD = max(floor, LGD_unsecured · max(0, 1 − (1 − haircut)·C / EAD)).
 */
export function lossGivenDefault(loan: Loan): number {
  const covered =
    ((1 - COLLATERAL_HAIRCUT[loan.collateralType]) * loan.collateralValueCents) / loan.principalCents;
  const lgd = UNSECURED_LGD[loan.type] * Math.max(0, 1 - covered);
  return Math.max(LGD_FLOOR[loan.collateralType], lgd);
}

/** What the simulation needs of a loan, computed once per loan and batch. */
export interface PreparedLoan {
  readonly id: string;
  /** Exposure at default, cents: the outstanding principal of a fully drawn term loan. */
  readonly eadCents: number;
  readonly lgd: number;
  /** The loss if the loan defaults: round(EAD × LGD), integer cents. */
  readonly lossCents: number;
  /** The stressed 1-year PD per scenario, in scenario order. */
  readonly pds: readonly number[];
}

/** Prepares a loan for the simulation under the given scenarios. */
export function prepareLoan(
  loan: Loan,
  scenarios: readonly Scenario[],
  o: ResolvedCreditModelOptions,
): PreparedLoan {
  const lgd = lossGivenDefault(loan);
  return {
    id: loan.id,
    eadCents: loan.principalCents,
    lgd,
    lossCents: Math.round(loan.principalCents * lgd),
    pds: scenarios.map((s) => stressedPd(loan, s.shockBp, o)),
  };
}
