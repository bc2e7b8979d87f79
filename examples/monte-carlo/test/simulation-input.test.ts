import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  resolveSimulationInput,
  SIMULATION_DEFAULTS,
  simulationFingerprint,
} from '../src/simulation-input.ts';

test('defaults fill what is left out; plain shocks get names', () => {
  const r = resolveSimulationInput({ seed: 1 });
  assert.equal(r.draws, SIMULATION_DEFAULTS.draws);
  assert.deepEqual(r.rho, SIMULATION_DEFAULTS.rho);
  assert.deepEqual(
    r.scenarios.map((s) => s.name),
    ['base', '+100 bp', '+200 bp', '+300 bp'],
  );
  assert.deepEqual(resolveSimulationInput({ seed: 1, rho: 0.1 }).rho, {
    mortgage: 0.1,
    personal: 0.1,
    commercial: 0.1,
  });
  assert.deepEqual(resolveSimulationInput({ seed: 1, rho: { personal: 0.07 } }).rho.personal, 0.07);
  assert.deepEqual(
    resolveSimulationInput({ seed: 1, scenarios: [{ name: 'Volcker', shockBp: 800 }] }).scenarios,
    [{ name: 'Volcker', shockBp: 800 }],
  );
});

test('every bad field is refused with its name', () => {
  const cases: [unknown, RegExp][] = [
    [null, /BatchInput must be an object/],
    [{}, /BatchInput.seed is required/],
    [{ seed: -3 }, /BatchInput.seed must be/],
    [{ seed: 1, draws: 0 }, /BatchInput.draws must be an integer in \[1, 1000000\]/],
    [{ seed: 1, rho: 1 }, /BatchInput.rho must be a correlation in \[0, 1\)/],
    [{ seed: 1, rho: { commercial: -0.1 } }, /BatchInput.rho.commercial/],
    [{ seed: 1, scenarios: [] }, /BatchInput.scenarios must be a list of 1 to 32/],
    [{ seed: 1, scenarios: ['x'] }, /BatchInput.scenarios\[0\] shock must be a number/],
    [{ seed: 1, scenarios: [100, 100] }, /distinct names/],
    [{ seed: 1, topContributors: 1.5 }, /BatchInput.topContributors/],
    [{ seed: 1, commonRandomNumbers: 'yes' }, /BatchInput.commonRandomNumbers must be a boolean/],
    [
      { seed: 1, model: { dtiLogitSensitivity: -1 } },
      /BatchInput.model.dtiLogitSensitivity must be in \[0, 100\]/,
    ],
    [{ seed: 1, faults: [] }, /BatchInput.faults must be an object/],
    [{ seed: 1, faults: { hangOn: 'L1' } }, /BatchInput.faults.hangOn is not a field/],
    [{ seed: 1, faults: { throwOnLoans: 'L1' } }, /BatchInput.faults.throwOnLoans must be an array/],
    [{ seed: 1, faults: { crashThreadOnLoan: 7 } }, /BatchInput.faults.crashThreadOnLoan must be a loan id/],
    [{ seed: 1, faults: { attempts: 0 } }, /BatchInput.faults.attempts must be an integer >= 1/],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => resolveSimulationInput(input),
      (e: Error) => e.name === 'Input.Invalid' && message.test(e.message),
    );
  }
});

test('the fingerprint changes with anything that changes the numbers, not with output options', () => {
  const base = simulationFingerprint(resolveSimulationInput({ seed: 1 }));
  assert.equal(
    simulationFingerprint(resolveSimulationInput({ seed: 1, topContributors: 3, perLoanPds: true })),
    base,
  );
  // The fault test mode never changes a result: a batch fails, or computes what it always would.
  assert.equal(
    simulationFingerprint(resolveSimulationInput({ seed: 1, faults: { throwOnLoans: ['L1'], attempts: 1 } })),
    base,
  );
  assert.notEqual(simulationFingerprint(resolveSimulationInput({ seed: 2 })), base);
  assert.notEqual(simulationFingerprint(resolveSimulationInput({ seed: 1, draws: 9 })), base);
  assert.notEqual(
    simulationFingerprint(resolveSimulationInput({ seed: 1, model: { policyRate: 0.05 } })),
    base,
  );
});
