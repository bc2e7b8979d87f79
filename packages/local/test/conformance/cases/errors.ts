/** Retry and Catch: which errors each rule matches, attempts, and Catch ResultPath. */
import { type ConformanceCase, lambdaTask } from '../case.ts';

let n = 0;
/** A fresh key so each case has its own attempt counter in the flaky function. */
const key = (): string => `case-${n++}-${Date.now()}`;

const flakyMachine = (
  failTimes: number,
  errorName: string,
  retry: unknown[],
  catchers: unknown[] = [],
): unknown => ({
  StartAt: 'Call',
  States: {
    Call: {
      ...lambdaTask('flaky'),
      Parameters: { FunctionName: 'flaky', Payload: { key: key(), failTimes, errorName } },
      ...(retry.length ? { Retry: retry } : {}),
      ...(catchers.length ? { Catch: catchers } : {}),
      End: true,
    },
    ...(catchers.length ? { Caught: { Type: 'Pass', End: true } } : {}),
  },
});

export const errorCases: ConformanceCase[] = [
  {
    name: 'Retry: a custom error retried until success (attempts counted)',
    definition: flakyMachine(2, 'Custom.Transient', [
      { ErrorEquals: ['Custom.Transient'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 },
    ]),
    output: { attempts: 3 },
  },
  {
    name: 'Retry: MaxAttempts exhausted, then Catch with ResultPath',
    definition: flakyMachine(
      5,
      'Custom.Transient',
      [{ ErrorEquals: ['Custom.Transient'], IntervalSeconds: 1, MaxAttempts: 2 }],
      [{ ErrorEquals: ['Custom.Transient'], ResultPath: '$.error', Next: 'Caught' }],
    ),
    input: { id: 'x' },
    check: (r) => {
      const o = r.output as { id: string; error: { Error: string; Cause: string } };
      if (
        r.status !== 'SUCCEEDED' ||
        o.id !== 'x' ||
        o.error.Error !== 'Custom.Transient' ||
        !o.error.Cause.includes('attempt 3 failed')
      ) {
        throw new Error(`unexpected ${JSON.stringify(r)}`);
      }
    },
  },
  {
    name: 'Retry: MaxAttempts 0 never retries',
    definition: flakyMachine(1, 'Custom.Transient', [{ ErrorEquals: ['Custom.Transient'], MaxAttempts: 0 }]),
    error: 'Custom.Transient',
  },
  {
    name: 'Retry: the first matching Retrier applies, each with its own counter',
    definition: flakyMachine(2, 'B', [
      { ErrorEquals: ['A'], MaxAttempts: 0 },
      { ErrorEquals: ['B'], IntervalSeconds: 1, MaxAttempts: 2 },
    ]),
    output: { attempts: 3 },
  },
  {
    name: 'States.TaskFailed matches a task error',
    definition: flakyMachine(1, 'AnyError', [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 1 }]),
    output: { attempts: 2 },
  },
  {
    name: 'States.ALL in Catch catches a task error; the error output replaces the input',
    definition: flakyMachine(1, 'Oops', [], [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }]),
    check: (r) => {
      const o = r.output as { Error: string; Cause: string };
      if (o.Error !== 'Oops' || !JSON.parse(o.Cause).errorMessage.includes('attempt 1 failed'))
        throw new Error(JSON.stringify(r));
    },
  },
  {
    name: 'States.ALL does not catch States.Runtime',
    definition: {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'echo', Payload: {} },
          OutputPath: '$.NoSuchField',
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Succeed' },
      },
    },
    error: 'States.Runtime',
  },
  {
    name: 'States.TaskFailed does not match States.Timeout; States.Timeout catches it',
    definition: {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'echo', Payload: { delayMs: 3000 } },
          TimeoutSeconds: 1,
          Retry: [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 5 }],
          Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'TimedOut' }],
          End: true,
        },
        TimedOut: { Type: 'Pass', Result: 'timed out', End: true },
      },
    },
    output: 'timed out',
  },
  {
    name: 'An uncaught task error fails the execution with its name and cause',
    definition: flakyMachine(9, 'Worker.Crashed', []),
    error: 'Worker.Crashed',
    cause: /attempt 1 failed/,
  },
  {
    name: 'lambda:invoke of an unknown function fails with Lambda.ResourceNotFoundException',
    definition: {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:nope', Payload: {} },
          End: true,
        },
      },
    },
    error: 'Lambda.ResourceNotFoundException',
  },
  {
    name: 'lambda:invoke with InvocationType Event answers 202 without waiting; DryRun answers 204',
    definition: {
      StartAt: 'Async',
      States: {
        Async: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'echo', InvocationType: 'Event', Payload: { delayMs: 60_000 } },
          ResultSelector: { 'status.$': '$.StatusCode' },
          ResultPath: '$.async',
          Next: 'Dry',
        },
        Dry: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'echo', InvocationType: 'DryRun' },
          ResultSelector: { 'status.$': '$.StatusCode' },
          ResultPath: '$.dry',
          End: true,
        },
      },
    },
    output: { async: { status: 202 }, dry: { status: 204 } },
  },
  {
    name: 'lambda:invoke returns the AWS response shape (Payload, StatusCode)',
    definition: {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'echo', 'Payload.$': '$' },
          ResultSelector: { 'p.$': '$.Payload', 's.$': '$.StatusCode', 'v.$': '$.ExecutedVersion' },
          End: true,
        },
      },
    },
    input: { hello: 'world' },
    output: { p: { hello: 'world' }, s: 200, v: '$LATEST' },
  },
];
