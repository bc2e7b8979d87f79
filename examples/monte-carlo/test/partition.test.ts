/**
 * The portfolio result is bit-identical whatever the batch partition and order: every random
 * number is keyed by (seed, stream, draw, loan id) and losses are summed as integers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateBatches, PortfolioAggregator, type PortfolioResult } from '../src/aggregate.ts';
import { type BatchResult, runBatch } from '../src/batch.ts';
import { decodeUintVector } from '../src/codec.ts';
import { prepareLoan } from '../src/credit-model.ts';
import type { Loan } from '../src/loan.ts';
import { generatePortfolio } from '../src/portfolio.ts';
import { philox4x32 } from '../src/rng.ts';
import { type ResolvedSimulationInput, resolveSimulationInput } from '../src/simulation-input.ts';

const LOANS: readonly Loan[] = [...generatePortfolio('partition-test', 0, 240)];

/** Splits loans into consecutive batches of the given sizes (cycled). */
function partition(loans: readonly Loan[], sizes: readonly number[]): Loan[][] {
  const out: Loan[][] = [];
  for (let at = 0, k = 0; at < loans.length; k++) {
    const size = sizes[k % sizes.length]!;
    out.push(loans.slice(at, at + size));
    at += size;
  }
  return out;
}

/** A deterministic shuffle (Fisher-Yates on Philox words). */
function shuffled<T>(values: readonly T[], salt: number): T[] {
  const out = [...values];
  const words = new Uint32Array(4);
  for (let i = out.length - 1; i > 0; i--) {
    philox4x32(i, salt, 0, 0, 99, 99, words);
    const j = words[0]! % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function run(
  input: ResolvedSimulationInput,
  batches: readonly Loan[][],
  batchOrderSalt?: number,
): PortfolioResult {
  let results: BatchResult[] = batches.map((b) => runBatch(b, input));
  if (batchOrderSalt !== undefined) results = shuffled(results, batchOrderSalt);
  // Through JSON, as batch outputs travel.
  return aggregateBatches(
    input,
    results.map((r) => JSON.parse(JSON.stringify(r)) as BatchResult),
  );
}

const INPUT = resolveSimulationInput({ seed: 2026, draws: 600, topContributors: 5 });

test('the same loans and seed give the same result, bit for bit, for any batch size and order', () => {
  // GIVEN one batch of all 240 loans as the reference
  const reference = JSON.stringify(run(INPUT, [[...LOANS]]));
  // WHEN the loans are split into batches of 1, of 7, of mixed sizes, reversed and shuffled,
  // and the batch results are summed in another order
  const variants: [string, Loan[][], number?][] = [
    ['batches of 1', partition(LOANS, [1])],
    ['batches of 7', partition(LOANS, [7])],
    ['mixed sizes, shuffled batch order', partition(LOANS, [50, 3, 90, 1, 17]), 5],
    ['loans reversed, batches of 32', partition([...LOANS].reverse(), [32])],
    ['loans shuffled, batches of 40, shuffled order', partition(shuffled(LOANS, 11), [40]), 12],
  ];
  for (const [name, batches, salt] of variants) {
    // THEN every result serializes to the same bytes
    assert.equal(JSON.stringify(run(INPUT, batches, salt)), reference, name);
  }
});

test('without common random numbers the result is still partition-invariant, and differs from with them', () => {
  const input = resolveSimulationInput({ seed: 2026, draws: 300, commonRandomNumbers: false });
  const whole = run(input, [[...LOANS]]);
  assert.deepEqual(run(input, partition(shuffled(LOANS, 3), [9, 31]), 4), whole);
  const crn = run(resolveSimulationInput({ seed: 2026, draws: 300 }), [[...LOANS]]);
  assert.notEqual(whole.scenarios[1]!.lossesSha256, crn.scenarios[1]!.lossesSha256);
  // Scenario 0 uses stream 0 in both layouts, so it alone shares its draws with the other run.
  assert.equal(whole.scenarios[0]!.lossesSha256, crn.scenarios[0]!.lossesSha256);
});

test('where outputs and items are stored does not change the result', () => {
  const elsewhere = resolveSimulationInput({
    seed: 2026,
    draws: 600,
    topContributors: 5,
    itemsBucket: 'other',
    spill: { bucket: 'b', prefix: 'p/' },
  });
  assert.equal(JSON.stringify(run(elsewhere, [[...LOANS]])), JSON.stringify(run(INPUT, [[...LOANS]])));
});

test('per-loan PDs, when asked for, are the model’s stressed PDs in item order', () => {
  const input = resolveSimulationInput({ seed: 2026, draws: 10, perLoanPds: true });
  const batch = runBatch(LOANS.slice(0, 3), input);
  assert.deepEqual(
    batch.loanPds?.ids,
    LOANS.slice(0, 3).map((l) => l.id),
  );
  assert.deepEqual(batch.loanPds?.pds[1], [...prepareLoan(LOANS[1]!, input.scenarios, input.model).pds]);
  assert.equal(runBatch(LOANS.slice(0, 3), INPUT).loanPds, undefined);
});

test('a different seed or a missing loan changes the result', () => {
  const reference = run(INPUT, [[...LOANS]]);
  const otherSeed = run(resolveSimulationInput({ seed: 2027, draws: 600, topContributors: 5 }), [[...LOANS]]);
  assert.notEqual(otherSeed.scenarios[0]!.lossesSha256, reference.scenarios[0]!.lossesSha256);
  const missing = run(INPUT, [LOANS.slice(1)]);
  assert.notEqual(missing.idDigest, reference.idDigest);
  assert.equal(missing.loanCount, reference.loanCount - 1);
});

test('with common random numbers, every draw loses at least as much under a larger shock', () => {
  const result = run(INPUT, partition(LOANS, [60]));
  const vectors = result.scenarios.map((s) => decodeUintVector(s.losses, result.draws));
  assert.equal(
    new Set(result.scenarios.map((s) => s.lossesSha256)).size,
    vectors.length,
    'scenarios should differ',
  );
  for (let s = 1; s < vectors.length; s++) {
    for (let m = 0; m < result.draws; m++) {
      assert.ok(vectors[s]![m]! >= vectors[s - 1]![m]!, `scenario ${s}, draw ${m}`);
    }
    assert.ok(result.scenarios[s]!.var999Cents >= result.scenarios[s - 1]!.var999Cents);
  }
});

test('an aborted batch stops with the signal’s reason', () => {
  const controller = new AbortController();
  controller.abort(new Error('task lost'));
  assert.throws(() => runBatch(LOANS.slice(0, 3), INPUT, controller.signal), /task lost/);
});

test('batches from other settings are refused by the aggregation', () => {
  const other = runBatch(
    LOANS.slice(0, 5),
    resolveSimulationInput({ seed: 1, draws: 600, topContributors: 5 }),
  );
  assert.throws(() => aggregateBatches(INPUT, [other]), /other settings/);
  assert.throws(() => aggregateBatches(INPUT, []), /no loans/);
  // A corrupt batch is refused whole: the sums it was to join stay as they were.
  const good = runBatch(LOANS.slice(0, 5), INPUT);
  const scenarios = good.scenarios.map((s, k) => (k === 2 ? { ...s, losses: 'AAAA' } : s));
  const aggregator = new PortfolioAggregator(INPUT);
  assert.throws(() => aggregator.add({ ...good, scenarios }), /batch scenario \+200 bp: decodeUintVector/);
  aggregator.add(good);
  assert.deepEqual(aggregator.finish(), aggregateBatches(INPUT, [good]));
});
