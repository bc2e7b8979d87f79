import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workerOptionsFromEnv } from '../src/env.ts';
import { resolveWorkerOptions, workerDefaults } from '../src/options.ts';

const arn = 'arn:aws:states:us-east-1:000000000000:activity:work';

test('options resolve to a complete set with the documented defaults', () => {
  // WHEN only the activity is given
  const o = resolveWorkerOptions({ activityArn: arn, handler: './h.ts', threads: 4 }, {});
  // THEN everything else has its default
  assert.equal(o.pollRequestTimeoutMs, 70_000);
  assert.equal(o.stopTimeoutSeconds, 30);
  assert.equal(o.stopMarginMs, 3_000);
  assert.equal(o.slots, 4);
  assert.equal(o.activities[0]?.pollers, 4);
  assert.equal(o.activities[0]?.handlerUrl, new URL('./h.ts', `file://${process.cwd()}/`).href);
  assert.equal(o.heartbeatSeconds, workerDefaults.heartbeatSeconds);
  assert.equal(o.ecsAgentUri, null);
  // AND a short stop timeout keeps a 10 % margin
  assert.equal(
    resolveWorkerOptions({ activityArn: arn, handler: './h.ts', stopTimeoutSeconds: 4 }, {}).stopMarginMs,
    400,
  );
  // AND on a backend running 10 times faster, the margin is 10 % of the real stop timeout
  assert.equal(
    resolveWorkerOptions({ activityArn: arn, handler: './h.ts', stopTimeoutSeconds: 30, timeScale: 10 }, {})
      .stopMarginMs,
    300,
  );
  // AND several activities share the slots among their pollers
  const two = resolveWorkerOptions(
    {
      threads: 4,
      activities: [
        { activityArn: arn, handler: 'a.ts' },
        { activityArn: `${arn}2`, handler: 'b.ts' },
      ],
    },
    {},
  );
  assert.deepEqual(
    two.activities.map((a) => a.pollers),
    [2, 2],
  );
});

test('bad options are refused with a message naming them', () => {
  const bad: Array<[object, RegExp]> = [
    [{}, /no activity to serve/],
    [{ activityArn: arn }, /activityArn and handler go together/],
    [{ activityArn: 'work', handler: 'h.ts' }, /activityArn must be an activity ARN/],
    [
      { activityArn: arn, handler: 'h.ts', pollRequestTimeoutMs: 60_000 },
      /pollRequestTimeoutMs must be >= 65000/,
    ],
    [
      { activityArn: arn, handler: 'h.ts', stopTimeoutSeconds: 121 },
      /stopTimeoutSeconds must be in \(0, 120\]/,
    ],
    [{ activityArn: arn, handler: 'h.ts', threads: 0 }, /threads must be an integer >= 1/],
    [{ activityArn: arn, handler: 'h.ts', protectionExpiresInMinutes: 3000 }, /protectionExpiresInMinutes/],
    [
      {
        activities: [
          { activityArn: arn, handler: 'a' },
          { activityArn: arn, handler: 'b' },
        ],
      },
      /listed twice/,
    ],
  ];
  for (const [options, message] of bad) assert.throws(() => resolveWorkerOptions(options, {}), message);
});

test('environment variables map onto options', () => {
  // GIVEN a container environment with two activities and a few settings
  const env = {
    STEPFLEET_ACTIVITY_ARN: `${arn}=a.ts,${arn}2=b.ts`,
    STEPFLEET_THREADS: '3',
    STEPFLEET_STOP_TIMEOUT_SECONDS: '90',
    STEPFLEET_MAX_OLD_GENERATION_MB: '512',
    STEPFLEET_METRICS: 'off',
    STEPFLEET_SFN_TRANSPORT: 'sdk',
    STEPFLEET_PROTECTION_EXPIRES_IN_MINUTES: '5',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:4599',
  };
  // WHEN read
  const o = workerOptionsFromEnv(env);
  // THEN each lands on its option
  assert.deepEqual(o.activities, [
    { activityArn: arn, handler: 'a.ts' },
    { activityArn: `${arn}2`, handler: 'b.ts' },
  ]);
  assert.equal(o.threads, 3);
  assert.equal(o.stopTimeoutSeconds, 90);
  assert.deepEqual(o.resourceLimits, { maxOldGenerationSizeMb: 512 });
  assert.equal(o.emfMetrics, false);
  assert.equal(o.endpoint, 'http://127.0.0.1:4599');
  assert.equal(o.sfnTransport, 'sdk');
  assert.equal(o.protectionExpiresInMinutes, 5);
  assert.throws(
    () => workerOptionsFromEnv({ STEPFLEET_SFN_TRANSPORT: 'grpc' }),
    /STEPFLEET_SFN_TRANSPORT must be direct or sdk, got "grpc"/,
  );
  // AND a malformed number names its variable
  assert.throws(
    () => workerOptionsFromEnv({ STEPFLEET_THREADS: 'many' }),
    /STEPFLEET_THREADS must be a number/,
  );
  assert.throws(() => workerOptionsFromEnv({ STEPFLEET_ACTIVITY_ARN: arn }), /no handler for/);
});
