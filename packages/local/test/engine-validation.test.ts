/**
 * Definition validation: every unsupported or malformed field is refused with a problem naming
 * its path, and the definitions stepfleet and the AWS examples use pass.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateDefinition } from '../src/engine/validate.ts';
import { mangled } from './support/mangle.ts';

const ACTIVITY = 'arn:aws:states:us-east-1:123456789012:activity:work';
const task = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  Type: 'Task',
  Resource: ACTIVITY,
  End: true,
  ...extra,
});
const one = (state: Record<string, unknown>, top: Record<string, unknown> = {}): unknown => ({
  StartAt: 'S',
  States: { S: state },
  ...top,
});
const dmap = (
  fields: Record<string, unknown>,
  processor: Record<string, unknown> = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
): unknown =>
  one({
    Type: 'Map',
    End: true,
    ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, ...processor },
    ...fields,
  });

/** Each invalid definition and a fragment its problems must contain. */
const INVALID: [string, unknown, RegExp][] = [
  ['not an object', [], /must be a JSON object/],
  [
    'unknown top-level field',
    { ...(one(task()) as object), Extra: 1 },
    /'Extra' is not supported .* at \/Extra/,
  ],
  ['missing StartAt target', { StartAt: 'X', States: { S: task() } }, /MISSING_TRANSITION_TARGET.*\/StartAt/],
  ['unknown state type', one({ Type: 'Loop', End: true }), /\/States\/S\/Type/],
  [
    'unknown field on a state',
    one(task({ Credentials: {} })),
    /'Credentials' is not supported .* at \/States\/S\/Credentials/,
  ],
  ['both Next and End', one(task({ Next: 'S' })), /Exactly one of 'Next' and 'End'/],
  ['unreachable state', { StartAt: 'S', States: { S: task(), T: task() } }, /UNREACHABLE_STATE.*\/States\/T/],
  [
    'Next to a missing state',
    one(task({ End: undefined, Next: 'Nope' })),
    /MISSING_TRANSITION_TARGET: Missing 'Next' target: Nope at \/States\/S\/Next/,
  ],
  [
    'unsupported resource',
    one(task({ Resource: 'arn:aws:states:::sqs:sendMessage' })),
    /\/States\/S\/Resource/,
  ],
  ['.sync integration', one(task({ Resource: 'arn:aws:states:::ecs:runTask.sync' })), /\.sync/],
  [
    'unsupported ECS action',
    one(task({ Resource: 'arn:aws:states:::aws-sdk:ecs:deleteCluster' })),
    /ecs:deleteCluster is not supported/,
  ],
  [
    'an s3 parameter the local S3 does not take',
    one({
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:s3:getObject',
      Parameters: { Bucket: 'b', Key: 'k', Range: 'bytes=0-1' },
      End: true,
    }),
    /'Range' is not supported .* at \/States\/S\/Parameters\/Range/,
  ],
  [
    'an unknown lambda:invoke parameter',
    one({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'f', Body: {} },
      End: true,
    }),
    /'Body' is not supported .* at \/States\/S\/Parameters\/Body/,
  ],
  [
    'a bad InvocationType',
    one({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'f', InvocationType: 'Later' },
      End: true,
    }),
    /InvocationType/,
  ],
  [
    'HeartbeatSeconds >= TimeoutSeconds',
    one(task({ HeartbeatSeconds: 10, TimeoutSeconds: 10 })),
    /HeartbeatSeconds must be smaller than TimeoutSeconds/,
  ],
  ['a bad JSONPath', one({ Type: 'Pass', InputPath: '$.a[', End: true }), /\/States\/S\/InputPath/],
  ['ResultPath with a wildcard', one({ Type: 'Pass', ResultPath: '$.a[*]', End: true }), /reference path/],
  [
    'an unknown intrinsic',
    one({ Type: 'Pass', Parameters: { 'x.$': 'States.Nope(1)' }, End: true }),
    /\/States\/S\/Parameters\/x\.\$/,
  ],
  [
    'a bad JSONata expression',
    one({ Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% $states.input. %}', End: true }),
    /\/States\/S\/Output/,
  ],
  [
    'JSONPath fields in a JSONata state',
    one({ Type: 'Pass', QueryLanguage: 'JSONata', Parameters: {}, End: true }),
    /'Parameters' is not supported for JSONata states/,
  ],
  [
    'JSONata fields in a JSONPath state',
    one({ Type: 'Pass', Output: {}, End: true }),
    /'Output' is only supported for JSONata states/,
  ],
  [
    'States.ALL not alone',
    one(task({ Retry: [{ ErrorEquals: ['States.ALL', 'X'] }] })),
    /\/States\/S\/Retry\/0\/ErrorEquals/,
  ],
  [
    'States.ALL not last',
    one(task({ Retry: [{ ErrorEquals: ['States.ALL'] }, { ErrorEquals: ['X'] }] })),
    /\/States\/S\/Retry\/0\/ErrorEquals/,
  ],
  [
    'BackoffRate below 1',
    one(task({ Retry: [{ ErrorEquals: ['X'], BackoffRate: 0.5 }] })),
    /\/States\/S\/Retry\/0\/BackoffRate/,
  ],
  [
    'unknown JitterStrategy',
    one(task({ Retry: [{ ErrorEquals: ['X'], JitterStrategy: 'HALF' }] })),
    /JitterStrategy/,
  ],
  [
    'Catch to a missing state',
    one(task({ Catch: [{ ErrorEquals: ['X'], Next: 'Nope' }] })),
    /\/States\/S\/Catch\/0\/Next/,
  ],
  [
    'Choice rule with two operators',
    {
      StartAt: 'C',
      States: {
        C: { Type: 'Choice', Choices: [{ Variable: '$.a', NumericEquals: 1, StringEquals: 'x', Next: 'D' }] },
        D: { Type: 'Succeed' },
      },
    },
    /\/States\/C\/Choices\/0/,
  ],
  [
    'Wait with two durations',
    one({ Type: 'Wait', Seconds: 1, SecondsPath: '$.s', End: true }),
    /Exactly one of Seconds/,
  ],
  [
    'ItemReader on an INLINE Map',
    one({
      Type: 'Map',
      End: true,
      ItemReader: {},
      ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
    }),
    /'ItemReader' needs a DISTRIBUTED ItemProcessor at \/States\/S\/ItemReader/,
  ],
  [
    'PARQUET input',
    dmap({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'PARQUET' },
        Parameters: { Bucket: 'b', Key: 'k' },
      },
    }),
    /\/States\/S\/ItemReader\/ReaderConfig\/InputType/,
  ],
  [
    'CSVHeaders without GIVEN',
    dmap({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'CSV', CSVHeaders: ['a'] },
        Parameters: { Bucket: 'b', Key: 'k' },
      },
    }),
    /CSVHeaders/,
  ],
  [
    'MaxInputBytesPerBatch over 256 KiB',
    dmap({ ItemBatcher: { MaxInputBytesPerBatch: 262_145 } }),
    /\/States\/S\/ItemBatcher\/MaxInputBytesPerBatch/,
  ],
  [
    'ResultWriter WriterConfig',
    dmap({
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { Bucket: 'b' },
        WriterConfig: {},
      },
    }),
    /'WriterConfig' is not supported/,
  ],
  [
    'DISTRIBUTED without ExecutionType',
    one({
      Type: 'Map',
      End: true,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED' },
        StartAt: 'P',
        States: { P: { Type: 'Pass', End: true } },
      },
    }),
    /ExecutionType/,
  ],
  [
    'EXPRESS child with an activity',
    dmap(
      {},
      {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
        StartAt: 'T',
        States: { T: task() },
      },
    ),
    /Express workflows do not support activities .* at \/States\/S\/ItemProcessor\/States\/T\/Resource/,
  ],
  [
    'a reserved variable name',
    one({ Type: 'Pass', Assign: { states: 1 }, End: true }),
    /'states' is not a valid variable name/,
  ],
];

describe('invalid definitions are refused with the field path', () => {
  for (const [name, definition, problem] of INVALID) {
    test(name, () => {
      const problems = validateDefinition(definition);
      assert.ok(problems.length > 0, 'expected problems');
      assert.ok(
        problems.some((p) => problem.test(p)),
        `no problem matches ${problem}: ${JSON.stringify(problems)}`,
      );
    });
  }
});

describe('valid definitions pass', () => {
  test('a stepfleet-shaped job: Distributed Map over an activity with Retry, Catch, ResultWriter', () => {
    const definition = {
      Comment: 'job',
      TimeoutSeconds: 3600,
      StartAt: 'Map',
      States: {
        Map: {
          Type: 'Map',
          Label: 'Batches',
          MaxConcurrency: 100,
          ToleratedFailurePercentage: 5,
          ItemReader: {
            Resource: 'arn:aws:states:::s3:getObject',
            ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW', MaxItems: 1000 },
            Parameters: { Bucket: 'in', 'Key.$': '$.key' },
          },
          ItemBatcher: {
            MaxItemsPerBatch: 100,
            MaxInputBytesPerBatch: 262_144,
            BatchInput: { 'job.$': '$$.Execution.Name' },
          },
          ResultWriter: {
            Resource: 'arn:aws:states:::s3:putObject',
            Parameters: { Bucket: 'out', Prefix: 'results' },
          },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Work',
            States: {
              Work: task({
                HeartbeatSeconds: 30,
                TimeoutSeconds: 600,
                Retry: [
                  {
                    ErrorEquals: ['Worker.Interrupted'],
                    MaxAttempts: 5,
                    JitterStrategy: 'FULL',
                    MaxDelaySeconds: 30,
                  },
                ],
              }),
            },
          },
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ScaleDown' }],
          Next: 'ScaleDown',
        },
        ScaleDown: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:ecs:updateService',
          Parameters: { Cluster: 'c', Service: 's', DesiredCount: 0 },
          End: true,
        },
      },
    };
    assert.deepEqual(validateDefinition(definition), []);
  });

  test('a JSONata machine with Arguments, Assign, Output and Condition', () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'C',
      States: {
        C: {
          Type: 'Choice',
          Choices: [{ Condition: '{% $states.input.n > 1 %}', Assign: { big: true }, Next: 'T' }],
          Default: 'T',
        },
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Arguments: { FunctionName: 'f', Payload: '{% $states.input %}' },
          Output: '{% $states.result.Payload %}',
          TimeoutSeconds: '{% 10 %}',
          End: true,
        },
      },
    };
    assert.deepEqual(validateDefinition(definition), []);
  });
});

describe('robustness', () => {
  const base = {
    StartAt: 'A',
    States: {
      A: { Type: 'Pass', Parameters: { 'x.$': '$.a' }, Next: 'B' },
      B: { Type: 'Choice', Choices: [{ Variable: '$.x', NumericGreaterThan: 1, Next: 'C' }], Default: 'D' },
      C: {
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
          Parameters: { Bucket: 'b', Key: 'k' },
        },
        ItemBatcher: { MaxItemsPerBatch: 10 },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'T',
          States: { T: task({ Retry: [{ ErrorEquals: ['X'] }] }) },
        },
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'D' }],
        Next: 'D',
      },
      D: { Type: 'Succeed' },
    },
  };

  test('thousands of mangled definitions get problems or pass, and validation never throws', () => {
    let refused = 0;
    for (const copy of mangled(base, { count: 3000, seed: 42, maxExtraChanges: 2 })) {
      const problems = validateDefinition(copy);
      assert.ok(Array.isArray(problems));
      if (problems.length > 0) refused++;
    }
    assert.ok(refused > 2500, `only ${refused} of 3000 mangled definitions were refused`);
  });
});
