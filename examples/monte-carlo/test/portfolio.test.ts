import assert from 'node:assert/strict';
import { test } from 'node:test';
import { debtToIncome } from '../src/credit-model.ts';
import { parseLoan } from '../src/loan.ts';
import { generateLoan, generatePortfolio, loanId } from '../src/portfolio.ts';

test('loan i is a pure function of (seed, i): slices agree with the whole, other seeds differ', () => {
  const whole = [...generatePortfolio(5, 0, 50)];
  assert.deepEqual([...generatePortfolio(5, 20, 30)], whole.slice(20, 30));
  assert.deepEqual(generateLoan(5, 49), whole[49]);
  assert.notDeepEqual(generateLoan(6, 49), whole[49]);
  assert.equal(whole[7]!.id, loanId(7));
  assert.equal(loanId(123), 'L000000123');
  assert.throws(() => generateLoan(5, -1), /loan index/);
});

test('every generated loan is valid, and the mix follows the documented profile', () => {
  // GIVEN 20,000 loans
  const n = 20_000;
  const counts = { mortgage: 0, personal: 0, commercial: 0 };
  let floatingCommercial = 0;
  const dtis: number[] = [];
  for (const loan of generatePortfolio('profile', 0, n)) {
    // THEN each passes validation unchanged
    assert.deepEqual(parseLoan(JSON.parse(JSON.stringify(loan))), loan);
    counts[loan.type]++;
    if (loan.type === 'commercial' && loan.rateType === 'floating') floatingCommercial++;
    if (loan.type === 'mortgage') dtis.push(debtToIncome(loan, 0, 0.0425));
  }
  // AND the type shares are 40/35/25 % within 4 binomial standard errors (0.35 % at n = 20,000)
  const tolerance = 4 * Math.sqrt((0.4 * 0.6) / n);
  assert.ok(Math.abs(counts.mortgage / n - 0.4) < tolerance, `mortgage share ${counts.mortgage / n}`);
  assert.ok(Math.abs(counts.personal / n - 0.35) < tolerance, `personal share ${counts.personal / n}`);
  assert.ok(Math.abs(counts.commercial / n - 0.25) < tolerance, `commercial share ${counts.commercial / n}`);
  assert.ok(Math.abs(floatingCommercial / counts.commercial - 0.7) < 0.03);
  // AND mortgage DTI today lies between the profile's bounds (payment share + other debt)
  dtis.sort((a, b) => a - b);
  assert.ok(
    dtis[0]! >= 0.14 - 1e-6 && dtis[dtis.length - 1]! <= 0.38 + 0.15 + 1e-6,
    `DTI range ${dtis[0]}..${dtis.at(-1)}`,
  );
});
