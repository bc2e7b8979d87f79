/** The controller's settings from the environment: log level, and the function's own variables. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createControllerHandler, fleetsFromEnv } from '../src/lambda.ts';
import { defaultLogLevel } from '../src/logger.ts';

describe('STEPFLEET_LOG_LEVEL', () => {
  test('GIVEN nothing set THEN info, but warn under node --test', () => {
    assert.equal(defaultLogLevel({}), 'info');
    assert.equal(defaultLogLevel({ NODE_TEST_CONTEXT: 'child-v8' }), 'warn');
  });

  test('GIVEN a level THEN it is used, in any case, even under node --test', () => {
    assert.equal(defaultLogLevel({ STEPFLEET_LOG_LEVEL: 'DEBUG', NODE_TEST_CONTEXT: 'child-v8' }), 'debug');
    assert.equal(defaultLogLevel({ STEPFLEET_LOG_LEVEL: 'silent' }), 'silent');
  });

  test('GIVEN an unknown level THEN a RangeError names the variable', () => {
    assert.throws(() => defaultLogLevel({ STEPFLEET_LOG_LEVEL: 'loud' }), {
      name: 'RangeError',
      message: /STEPFLEET_LOG_LEVEL must be one of .*got "loud"/,
    });
  });
});

describe('the function settings', () => {
  test('GIVEN STEPFLEET_FLEETS THEN it parses a JSON array, and names the variable when it is not one', () => {
    assert.deepEqual(fleetsFromEnv(undefined), []);
    assert.deepEqual(fleetsFromEnv('[{"cluster":"c","service":"s","maxWorkers":2}]'), [
      { cluster: 'c', service: 's', maxWorkers: 2 },
    ]);
    assert.throws(() => fleetsFromEnv('{'), {
      name: 'Controller.InvalidRequest',
      message: /STEPFLEET_FLEETS/,
    });
    assert.throws(() => fleetsFromEnv('{}'), { name: 'Controller.InvalidRequest', message: /JSON array/ });
  });

  test('GIVEN a malformed cooldown THEN every invocation answers the named error naming it (no crash loop)', async (t) => {
    const saved = process.env.STEPFLEET_SCALE_IN_COOLDOWN_SECONDS;
    t.after(() => {
      if (saved === undefined) delete process.env.STEPFLEET_SCALE_IN_COOLDOWN_SECONDS;
      else process.env.STEPFLEET_SCALE_IN_COOLDOWN_SECONDS = saved;
    });
    process.env.STEPFLEET_SCALE_IN_COOLDOWN_SECONDS = 'soon';
    const handler = createControllerHandler();
    for (let i = 0; i < 2; i++) {
      await assert.rejects(handler({ action: 'reconcile' }), {
        name: 'Controller.InvalidRequest',
        message: /STEPFLEET_SCALE_IN_COOLDOWN_SECONDS must be a number of seconds >= 0, got "soon"/,
      });
    }
  });

  test('GIVEN an EventBridge event (schedule or execution status change) THEN the function reconciles its fleets', async () => {
    const handler = createControllerHandler();
    for (const detailType of ['Scheduled Event', 'Step Functions Execution Status Change']) {
      assert.deepEqual(await handler({ 'detail-type': detailType, source: 'aws.events', detail: {} }), {
        reconciled: [],
      });
    }
  });
});
