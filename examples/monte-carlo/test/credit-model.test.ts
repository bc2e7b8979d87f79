import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  annualDebtService,
  basePd,
  CREDIT_MODEL_DEFAULTS,
  debtToIncome,
  lossGivenDefault,
  prepareLoan,
  resolveCreditModelOptions,
  stressedPd,
} from '../src/credit-model.ts';
import { type Loan, parseLoan } from '../src/loan.ts';

const o = CREDIT_MODEL_DEFAULTS;

const floating: Loan = {
  id: 'F1',
  type: 'mortgage',
  principalCents: 30_000_000,
  rateType: 'floating',
  rate: 0.02,
  remainingMonths: 300,
  annualIncomeCents: 12_000_000,
  otherDebtPaymentsCents: 600_000,
  grade: 'BB',
  collateralType: 'real-estate',
  collateralValueCents: 40_000_000,
};

test('the annuity payment matches the textbook formula and repays linearly at 0 %', () => {
  // $200,000 over 30 years at 6 %: $1,199.10 a month (standard amortization tables).
  assert.equal(Math.round((annualDebtService(200_000, 0.06, 360) / 12) * 100) / 100, 1199.1);
  assert.equal(annualDebtService(12_000, 0, 24), 6000);
  // Fewer than 12 months left: only those months are paid in the year.
  assert.equal(annualDebtService(3000, 0, 3), 3000);
});

test('a rate shock raises a floating loan’s DTI and PD, monotonically; a fixed loan’s PD does not move', () => {
  const dti = [0, 100, 200, 300].map((bp) => debtToIncome(floating, bp, o.policyRate));
  const pds = [0, 100, 200, 300].map((bp) => stressedPd(floating, bp, o));
  for (let k = 1; k < 4; k++) {
    assert.ok(dti[k]! > dti[k - 1]!, 'DTI rises');
    assert.ok(pds[k]! > pds[k - 1]!, 'PD rises');
  }
  assert.equal(pds[0], basePd(floating, o));
  // logit(PD₃₀₀) − logit(PD₀) = β·ΔDTI exactly (below the cap).
  const logit = (p: number): number => Math.log(p / (1 - p));
  assert.ok(Math.abs(logit(pds[3]!) - logit(pds[0]!) - 6 * (dti[3]! - dti[0]!)) < 1e-12);
  const fixed: Loan = { ...floating, rateType: 'fixed', rate: 0.05 };
  assert.equal(stressedPd(fixed, 300, o), basePd(fixed, o));
});

test('the stress is bounded: the logit shift by maxLogitShift, the PD by pdFloor and pdCap', () => {
  const strained: Loan = { ...floating, annualIncomeCents: 100_000, grade: 'CCC' };
  const pd = stressedPd(strained, 5000, o);
  const logit = (p: number): number => Math.log(p / (1 - p));
  assert.ok(Math.abs(logit(pd) - logit(0.265) - o.maxLogitShift) < 1e-12);
  assert.equal(stressedPd({ ...strained, grade: 'CCC', basePd: 0.98 }, 5000, o), o.pdCap);
  assert.equal(basePd({ ...floating, basePd: 1e-6 }, o), o.pdFloor);
  // A rate cut lowers a floating PD, and the floating rate never goes below zero.
  assert.ok(stressedPd(floating, -200, o) < basePd(floating, o));
  assert.equal(debtToIncome(floating, -5000, o.policyRate), debtToIncome(floating, -4000, o.policyRate));
});

test('LGD comes from the collateral after its haircut, with floors', () => {
  // 300k loan, 400k house, 30 % haircut: covers 280k of 300k → 0.45 × (1 − 280/300) = 0.03 → floor 5 %.
  assert.equal(lossGivenDefault(floating), 0.05);
  const thin: Loan = { ...floating, collateralValueCents: 20_000_000 };
  assert.ok(Math.abs(lossGivenDefault(thin) - 0.45 * (1 - (0.7 * 200) / 300)) < 1e-15);
  const unsecured: Loan = { ...floating, type: 'personal', collateralType: 'none', collateralValueCents: 0 };
  assert.equal(lossGivenDefault(unsecured), 0.75);
  const prepared = prepareLoan(thin, [{ name: 'base', shockBp: 0 }], o);
  assert.equal(prepared.lossCents, Math.round(30_000_000 * lossGivenDefault(thin)));
  assert.ok(Number.isSafeInteger(prepared.lossCents));
});

test('bad model options and bad loans are refused with the field named', () => {
  assert.throws(() => resolveCreditModelOptions({ pdCap: 1.5 }), /pdCap must be in \(pdFloor, 1\)/);
  assert.throws(() => resolveCreditModelOptions({ policyRate: Number.NaN }), /policyRate/);
  assert.deepEqual(resolveCreditModelOptions({ policyRate: undefined }), CREDIT_MODEL_DEFAULTS);
  assert.deepEqual(parseLoan(JSON.parse(JSON.stringify(floating))), floating);
  assert.throws(
    () => parseLoan({ ...floating, principalCents: 10.5 }),
    /loan "F1": principalCents must be an integer/,
  );
  assert.throws(
    () => parseLoan({ ...floating, type: 'auto' }),
    /type must be one of personal, commercial, mortgage/,
  );
  assert.throws(
    () => parseLoan({ ...floating, remainingMonths: 0 }),
    /remainingMonths must be an integer >= 1/,
  );
  assert.throws(() => parseLoan({ ...floating, collateralType: 'none' }), /collateralValueCents must be 0/);
  assert.throws(() => parseLoan({ ...floating, basePd: 1 }), /basePd must be a probability/);
  assert.throws(() => parseLoan([], 'Items[3]'), /Items\[3\]: must be a JSON object/);
  assert.throws(() => parseLoan({ id: '' }, 'Items[0]'), /Items\[0\]: id must be a non-empty string/);
});
