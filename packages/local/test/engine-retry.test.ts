/**
 * Retry and Catch rules as the Amazon States Language specifies them: which error names
 * States.ALL, States.TaskFailed and States.Timeout match, and the retry delays (IntervalSeconds,
 * BackoffRate, MaxAttempts, MaxDelaySeconds, JitterStrategy FULL).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errorMatches, firstMatch, retryDelayMs } from '../src/engine/retry.ts';

describe('error matching', () => {
  test('States.ALL matches every error except States.DataLimitExceeded and States.Runtime', () => {
    for (const e of [
      'Worker.Crashed',
      'States.TaskFailed',
      'States.Timeout',
      'States.HeartbeatTimeout',
      'States.Permissions',
      'States.ItemReaderFailed',
    ]) {
      assert.ok(errorMatches(['States.ALL'], e), e);
    }
    assert.equal(errorMatches(['States.ALL'], 'States.DataLimitExceeded'), false);
    assert.equal(errorMatches(['States.ALL'], 'States.Runtime'), false);
  });

  test('States.Runtime is never caught or retried, even by name', () => {
    assert.equal(errorMatches(['States.Runtime'], 'States.Runtime'), false);
    assert.ok(errorMatches(['States.DataLimitExceeded'], 'States.DataLimitExceeded'));
  });

  test('States.TaskFailed matches task errors but neither timeout', () => {
    assert.ok(errorMatches(['States.TaskFailed'], 'Worker.Crashed'));
    assert.ok(errorMatches(['States.TaskFailed'], 'Lambda.ServiceException'));
    assert.equal(errorMatches(['States.TaskFailed'], 'States.Timeout'), false);
    assert.equal(errorMatches(['States.TaskFailed'], 'States.HeartbeatTimeout'), false);
  });

  test('States.Timeout covers a heartbeat timeout; States.HeartbeatTimeout only itself', () => {
    assert.ok(errorMatches(['States.Timeout'], 'States.HeartbeatTimeout'));
    assert.ok(errorMatches(['States.HeartbeatTimeout'], 'States.HeartbeatTimeout'));
    assert.equal(errorMatches(['States.HeartbeatTimeout'], 'States.Timeout'), false);
  });

  test('custom names match exactly; the first matching rule wins', () => {
    const rules = [{ ErrorEquals: ['A'] }, { ErrorEquals: ['B', 'C'] }, { ErrorEquals: ['States.ALL'] }];
    assert.equal(firstMatch(rules, 'C'), 1);
    assert.equal(firstMatch(rules, 'a'), 2);
    assert.equal(firstMatch(rules, 'States.Runtime'), -1);
    assert.equal(firstMatch(undefined, 'A'), -1);
  });
});

describe('retry delays', () => {
  test('defaults: IntervalSeconds 1, BackoffRate 2, MaxAttempts 3', () => {
    const r = { ErrorEquals: ['X'] };
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => retryDelayMs(r, n)),
      [1000, 2000, 4000, null],
    );
  });

  test('IntervalSeconds × BackoffRate^attempt, capped by MaxDelaySeconds', () => {
    const r = {
      ErrorEquals: ['X'],
      IntervalSeconds: 3,
      BackoffRate: 1.5,
      MaxAttempts: 5,
      MaxDelaySeconds: 6,
    };
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((n) => retryDelayMs(r, n)),
      [3000, 4500, 6000, 6000, 6000, null],
    );
  });

  test('MaxAttempts 0 never retries', () => {
    assert.equal(retryDelayMs({ ErrorEquals: ['X'], MaxAttempts: 0 }, 0), null);
  });

  test('JitterStrategy FULL draws uniformly below the capped delay; NONE does not jitter', () => {
    const r = { ErrorEquals: ['X'], IntervalSeconds: 2, MaxDelaySeconds: 5, JitterStrategy: 'FULL' as const };
    assert.equal(
      retryDelayMs(r, 0, () => 0.25),
      500,
    );
    assert.equal(
      retryDelayMs(r, 2, () => 0.5),
      2500,
    );
    assert.equal(
      retryDelayMs({ ...r, JitterStrategy: 'NONE' }, 0, () => 0.25),
      2000,
    );
  });
});
