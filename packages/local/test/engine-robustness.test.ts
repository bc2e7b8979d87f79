/**
 * Robustness: mangled definitions (fields deleted or replaced by odd values) are either refused
 * by validation or run to a close on every kind of input, with AWS error names and never an
 * internal error, a hang, or a validator crash.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActivityScheduler } from '../src/activities/types.ts';
import { createClock } from '../src/clock.ts';
import { createEngine } from '../src/engine/index.ts';
import { validateDefinition } from '../src/engine/validate.ts';
import type { RequestContext } from '../src/service.ts';
import { mangled } from './support/mangle.ts';

const ACTIVITY = 'arn:aws:states:us-east-1:123456789012:activity:w';
const BASE = {
  StartAt: 'A',
  States: {
    A: {
      Type: 'Pass',
      Parameters: { 'x.$': '$.a', 'l.$': 'States.ArrayLength($.list)' },
      ResultPath: '$.p',
      Next: 'B',
    },
    B: { Type: 'Choice', Choices: [{ Variable: '$.p.x', NumericGreaterThan: 1, Next: 'C' }], Default: 'M' },
    C: {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'T',
          States: {
            T: {
              Type: 'Task',
              Resource: ACTIVITY,
              End: true,
              Retry: [{ ErrorEquals: ['X'], MaxAttempts: 1 }],
            },
          },
        },
      ],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.err', Next: 'M' }],
      Next: 'M',
    },
    M: {
      Type: 'Map',
      ItemsPath: '$.list',
      ItemSelector: { 'v.$': '$$.Map.Item.Value' },
      MaxConcurrency: 2,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'W',
        States: { W: { Type: 'Wait', Seconds: 1, Next: 'F' }, F: { Type: 'Fail', Error: 'E' } },
      },
      ToleratedFailureCount: 1,
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'D' }],
      Next: 'D',
    },
    D: { Type: 'Succeed' },
  },
};
const INPUTS: unknown[] = [{ a: 2, list: [1, 2] }, { a: 'x' }, [], 5];

test('mangled definitions are refused, or run to a close on any input without internal errors', async () => {
  // GIVEN an engine whose activity tasks all fail at once
  const activities: ActivityScheduler = {
    schedule: async () => ({ status: 'FAILED', error: 'X' }),
    createCallback: () => ({ taskToken: 't', outcome: Promise.resolve({ status: 'FAILED' }) }),
  };
  const engine = createEngine({ clock: createClock(1000), accountId: '123456789012', activities });
  const ctx: RequestContext = {
    region: 'us-east-1',
    accountId: '123456789012',
    requestId: 'r',
    clientGone: new AbortController().signal,
  };
  const call = async (op: string, input: Record<string, unknown>): Promise<Record<string, unknown>> =>
    (await engine.operations[op]!(input, ctx)) as Record<string, unknown>;
  let accepted = 0;
  const statuses = new Set<string>();
  try {
    let n = 0;
    for (const definition of mangled(BASE, { count: 1500, seed: 7, maxExtraChanges: 1 })) {
      // WHEN each one is validated, and the accepted ones run on several inputs
      const problems = validateDefinition(definition);
      if (problems.length > 0) continue;
      accepted++;
      const { stateMachineArn } = await call('CreateStateMachine', {
        name: `m${n++}`,
        definition: JSON.stringify(definition),
        roleArn: 'arn:aws:iam::123456789012:role/r',
      });
      for (const input of INPUTS) {
        const { executionArn } = await call('StartExecution', {
          stateMachineArn,
          input: JSON.stringify(input),
        });
        let d = await call('DescribeExecution', { executionArn });
        for (let i = 0; i < 2000 && d.status === 'RUNNING'; i++) {
          await new Promise((r) => setTimeout(r, 1));
          d = await call('DescribeExecution', { executionArn });
        }
        // THEN every run closes, with an ASL error name, never an internal one
        assert.notEqual(
          d.status,
          'RUNNING',
          `stuck: ${JSON.stringify(definition)} on ${JSON.stringify(input)}`,
        );
        assert.doesNotMatch(
          String(d.cause ?? ''),
          /^Internal error/,
          `${JSON.stringify(definition)} on ${JSON.stringify(input)}`,
        );
        statuses.add(String(d.status));
      }
    }
  } finally {
    await engine.close();
  }
  assert.ok(accepted > 100, `only ${accepted} definitions were accepted`);
  assert.deepEqual([...statuses].sort(), ['FAILED', 'SUCCEEDED']);
});
