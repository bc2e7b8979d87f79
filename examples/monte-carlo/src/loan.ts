/**
 * A loan as stored in the portfolio (one JSON object per loan, or one JSONL line), and its
 * validation. Money is in integer cents everywhere, so sums are exact.
 */

/** The kinds of loan in the portfolio. */
export const LOAN_TYPES = ['personal', 'commercial', 'mortgage'] as const;
/** A kind of loan. */
export type LoanType = (typeof LOAN_TYPES)[number];

/** Credit grades, best first (an S&P-style scale; internal grades map onto it). */
export const CREDIT_GRADES = ['AAA', 'AA', 'A', 'BBB', 'BB', 'B', 'CCC'] as const;
/** A credit grade. */
export type CreditGrade = (typeof CREDIT_GRADES)[number];

/** What secures a loan; it sets the haircut and the LGD floor (see credit-model.ts). */
export const COLLATERAL_TYPES = ['none', 'real-estate', 'vehicle', 'equipment', 'receivables'] as const;
/** A kind of collateral. */
export type CollateralType = (typeof COLLATERAL_TYPES)[number];

/** One loan. */
export interface Loan {
  /** Unique within the portfolio; it keys the loan's random numbers. */
  readonly id: string;
  readonly type: LoanType;
  /** Outstanding principal, integer cents (the exposure at default of a fully drawn term loan). */
  readonly principalCents: number;
  /** `fixed`: the rate never moves. `floating`: policy rate + `rate` (the spread), reset at once. */
  readonly rateType: 'fixed' | 'floating';
  /** Annual rate (fixed) or annual spread over the policy rate (floating), as a decimal (0.035). */
  readonly rate: number;
  /** Months left to maturity (≥ 1): the annuity's remaining term. */
  readonly remainingMonths: number;
  /** The borrower's annual income, integer cents (for a business: operating income). */
  readonly annualIncomeCents: number;
  /** The borrower's other debt payments per year, integer cents. */
  readonly otherDebtPaymentsCents: number;
  readonly grade: CreditGrade;
  /** A 1-year PD from the bank's own rating model; overrides the grade's PD when present. */
  readonly basePd?: number;
  readonly collateralType: CollateralType;
  /** Market value of the collateral, integer cents (0 for `none`). */
  readonly collateralValueCents: number;
}

/** A loan record that does not describe a valid loan. The message names the field. */
export class InvalidLoanError extends Error {
  override readonly name = 'Loan.Invalid';
}

/** Largest amount accepted for a single loan field: $10 billion, in cents. */
const MAX_AMOUNT_CENTS = 1e12;

function fail(where: string, message: string): never {
  throw new InvalidLoanError(`${where}: ${message}`);
}

function cents(where: string, field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > MAX_AMOUNT_CENTS) {
    fail(where, `${field} must be an integer number of cents in [${min}, ${MAX_AMOUNT_CENTS}], got ${value}`);
  }
  return value;
}

function oneOf<T extends string>(where: string, field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(where, `${field} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/**
 * Checks that `value` is a {@link Loan} and returns it typed. Throws {@link InvalidLoanError}
 * naming the loan (by id or position `where`) and the field.
 */
export function parseLoan(value: unknown, where = 'loan'): Loan {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(where, 'must be a JSON object');
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'string' || v.id.length === 0 || v.id.length > 256) {
    fail(where, 'id must be a non-empty string of at most 256 characters');
  }
  const at = `loan ${JSON.stringify(v.id)}`;
  const type = oneOf(at, 'type', v.type, LOAN_TYPES);
  const principalCents = cents(at, 'principalCents', v.principalCents, 1);
  const rateType = oneOf(at, 'rateType', v.rateType, ['fixed', 'floating'] as const);
  if (typeof v.rate !== 'number' || !Number.isFinite(v.rate) || v.rate < -0.05 || v.rate > 1) {
    fail(at, `rate must be a decimal annual rate in [-0.05, 1], got ${v.rate}`);
  }
  if (
    typeof v.remainingMonths !== 'number' ||
    !Number.isInteger(v.remainingMonths) ||
    v.remainingMonths < 1
  ) {
    fail(at, `remainingMonths must be an integer >= 1, got ${v.remainingMonths}`);
  }
  if (v.remainingMonths > 600) fail(at, `remainingMonths must be at most 600, got ${v.remainingMonths}`);
  const annualIncomeCents = cents(at, 'annualIncomeCents', v.annualIncomeCents, 1);
  const otherDebtPaymentsCents = cents(at, 'otherDebtPaymentsCents', v.otherDebtPaymentsCents, 0);
  const grade = oneOf(at, 'grade', v.grade, CREDIT_GRADES);
  if (v.basePd !== undefined && (typeof v.basePd !== 'number' || !(v.basePd > 0 && v.basePd < 1))) {
    fail(at, `basePd must be a probability in (0, 1), got ${v.basePd}`);
  }
  const collateralType = oneOf(at, 'collateralType', v.collateralType, COLLATERAL_TYPES);
  const collateralValueCents = cents(at, 'collateralValueCents', v.collateralValueCents, 0);
  if (collateralType === 'none' && collateralValueCents !== 0) {
    fail(at, `collateralValueCents must be 0 when collateralType is none, got ${collateralValueCents}`);
  }
  const loan: Loan = {
    id: v.id,
    type,
    principalCents,
    rateType,
    rate: v.rate,
    remainingMonths: v.remainingMonths,
    annualIncomeCents,
    otherDebtPaymentsCents,
    grade,
    collateralType,
    collateralValueCents,
  };
  return v.basePd === undefined ? loan : { ...loan, basePd: v.basePd as number };
}
