/** The shape of a conformance case: a definition, an input, and what AWS documents as the result. */
import type { EngineHarness, RunResult } from './harness.ts';

/** One conformance case. */
export interface ConformanceCase {
  readonly name: string;
  readonly definition: unknown;
  readonly input?: unknown;
  /** Prepares S3 objects or activities before the run. */
  readonly setup?: (h: EngineHarness) => Promise<void>;
  /** The expected output of a SUCCEEDED execution. */
  readonly output?: unknown;
  /** The expected Error of a FAILED execution (and Cause, when given). */
  readonly error?: string;
  readonly cause?: string | RegExp;
  /** Further assertions on the result. */
  readonly check?: (result: RunResult, h: EngineHarness) => Promise<void> | void;
}

/** A Task state invoking a local function through the optimized Lambda integration. */
export const lambdaTask = (
  functionName: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: functionName, 'Payload.$': '$' },
  OutputPath: '$.Payload',
  ...extra,
});

/** A one-state machine. */
export const single = (state: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown => ({
  StartAt: 'S',
  States: {
    S: {
      ...state,
      ...(state.Type === 'Succeed' || state.Type === 'Fail' || state.Type === 'Choice' ? {} : { End: true }),
    },
  },
  ...extra,
});
