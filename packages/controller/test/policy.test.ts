import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  concurrentBatches,
  decide,
  EMPTY_MEMORY,
  type FleetState,
  type PolicyMemory,
  type RunDemand,
  requiredWorkers,
  requiredWorkersHolding,
} from '../src/policy.ts';

const fleet = { slotsPerWorker: 4, minWorkers: 1, maxWorkers: 20 };
const run = (
  outstandingBatches: number,
  maxConcurrency = 0,
  phase: RunDemand['phase'] = 'mapping',
): RunDemand => ({
  executionArn: `arn:aws:states:us-east-1:000000000000:execution:job:${outstandingBatches}-${maxConcurrency}`,
  phase,
  outstandingBatches,
  maxConcurrency,
});
const state = (desiredCount: number, protectedCount = 0, runningCount = desiredCount): FleetState => ({
  desiredCount,
  runningCount,
  protectedCount,
});
const timings = { scaleInCooldownMs: 30_000, idleGraceMs: 10_000 };

describe('requiredWorkers', () => {
  test('GIVEN no open run THEN the fleet needs no worker, whatever minWorkers says', () => {
    assert.equal(requiredWorkers([], fleet), 0);
  });

  test('GIVEN outstanding batches THEN workers = ceil(batches / slots per worker)', () => {
    assert.equal(requiredWorkers([run(9)], fleet), 3);
    assert.equal(requiredWorkers([run(8)], fleet), 2);
  });

  test('GIVEN a MaxConcurrency below the outstanding batches THEN only that many batches count', () => {
    assert.equal(concurrentBatches(run(1000, 10)), 10);
    assert.equal(requiredWorkers([run(1000, 10)], fleet), 3);
  });

  test('GIVEN MaxConcurrency 0 THEN the run is capped only by the Step Functions maximum', () => {
    assert.equal(concurrentBatches(run(50_000, 0)), 10_000);
  });

  test('GIVEN several runs THEN their batches add up before dividing', () => {
    assert.equal(requiredWorkers([run(3), run(3)], fleet), 2);
  });

  test('GIVEN demand beyond maxWorkers or below minWorkers THEN it is clamped', () => {
    assert.equal(requiredWorkers([run(500)], fleet), 20);
    assert.equal(requiredWorkers([run(0, 0, 'tail')], fleet), 1);
  });
});

describe('decide', () => {
  const at = (
    nowMs: number,
    required: number,
    current: FleetState,
    memory: PolicyMemory,
    anyRunOpen = true,
  ) => decide({ required, anyRunOpen, nowMs, fleet: current }, timings, memory);

  test('GIVEN more demand than desired THEN it scales out at once', () => {
    const d = at(0, 7, state(2), EMPTY_MEMORY);
    assert.deepEqual([d.target, d.reason], [7, 'scale-out']);
  });

  test('GIVEN demand that just dropped THEN it holds during the cooldown, then scales in', () => {
    const first = at(0, 8, state(0), EMPTY_MEMORY);
    const dip = at(10_000, 3, state(8), first.memory);
    assert.deepEqual([dip.target, dip.reason], [8, 'hold-cooldown']);
    const later = at(40_001, 3, state(8), dip.memory);
    assert.deepEqual([later.target, later.reason], [3, 'scale-in']);
  });

  test('GIVEN a scale-in WHEN more tasks are protected than needed THEN it never goes below the protected ones', () => {
    const d = at(100_000, 2, state(8, 5), EMPTY_MEMORY);
    assert.deepEqual([d.target, d.reason], [5, 'scale-in']);
    const held = at(100_000, 2, state(5, 5), EMPTY_MEMORY);
    assert.deepEqual([held.target, held.reason], [5, 'hold-protected']);
  });

  test('GIVEN no open run WHEN inside the idle grace THEN it keeps the fleet, AFTER it goes to 0', () => {
    const open = at(0, 4, state(4), EMPTY_MEMORY);
    const grace = at(5_000, 0, state(4), open.memory, false);
    assert.deepEqual([grace.target, grace.reason], [4, 'idle-grace']);
    const zero = at(10_001, 0, state(4, 2), grace.memory, false);
    assert.deepEqual([zero.target, zero.reason], [0, 'idle-to-zero']);
  });

  test('GIVEN a controller that never saw a run open (a restart) THEN a leftover fleet goes to 0 at once', () => {
    const d = at(0, 0, state(6), EMPTY_MEMORY, false);
    assert.deepEqual([d.target, d.reason], [0, 'idle-to-zero']);
  });

  test('the memory keeps only the samples of the cooldown window', () => {
    let memory = EMPTY_MEMORY;
    for (let t = 0; t <= 100_000; t += 10_000) memory = at(t, 1, state(1), memory).memory;
    assert.ok(memory.samples.every((s) => s.atMs >= 100_000 - timings.scaleInCooldownMs));
    assert.equal(memory.samples.length, 4);
  });
});

describe('requiredWorkersHolding (runs whose ScaleUp another process served)', () => {
  const guess = (batches: number): RunDemand => ({ ...run(batches, 0, 'planned'), planKnown: false });

  test('GIVEN only known demands THEN it is requiredWorkers', () => {
    assert.equal(requiredWorkersHolding([run(12)], fleet, 7), requiredWorkers([run(12)], fleet));
  });

  test('GIVEN a run with an unknown plan WHEN the fleet is smaller than the guess THEN it holds the fleet, never scales out for it', () => {
    // The guess (80 batches = 20 workers) would take the fleet to its maximum; its ScaleUp chose 3.
    assert.equal(requiredWorkersHolding([guess(80)], fleet, 3), 3);
    assert.equal(requiredWorkersHolding([guess(80)], fleet, 0), 0, 'before its ScaleUp: nothing');
  });

  test('GIVEN a run with an unknown plan beside known ones THEN the known demand counts in full, the guess only up to the fleet', () => {
    // Known: 8 batches = 2 workers; with the guess the total would be 20.
    assert.equal(requiredWorkersHolding([run(8), guess(80)], fleet, 1), 2);
    assert.equal(requiredWorkersHolding([run(8), guess(80)], fleet, 6), 6);
    assert.equal(requiredWorkersHolding([run(8), guess(4)], fleet, 6), 3, 'never above what the guess needs');
  });
});
