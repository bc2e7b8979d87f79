/**
 * The task input conventions shared with the job generator (`@stepfleet/job`): a batch task's
 * input is `{ Items, BatchInput, stepfleet }`; anything else is a plain input. GetActivityTask
 * carries no execution ARN and no timeouts (AWS-FACTS.md), so the state's Parameters pass them in.
 */

/**
 * The `stepfleet` block the generated ASL adds to every activity's input, from the context
 * object (`$$.Execution.Id`, `$$.State.RetryCount`, `$$.Map...`) and the job spec.
 */
export interface StepfleetTaskContext {
  /** The execution id (`$$.Execution.Id`, an execution ARN). Feeds the deterministic seed. */
  readonly executionId: string;
  /** The state's HeartbeatSeconds: the worker heartbeats well within it. */
  readonly heartbeatSeconds?: number;
  /** The state's TimeoutSeconds: the handler deadline is derived from it. */
  readonly timeoutSeconds?: number;
  /** The retry attempt, 0 first (`$$.State.RetryCount`). Logged; never part of the seed. */
  readonly attempt?: number;
  /**
   * `$$.State.EnteredTime` (ISO 8601): the TimeoutSeconds clock started about then (queue
   * time counts), so the handler deadline is counted from it when given.
   */
  readonly stateEnteredTime?: string;
  /** The Map Run id of the distributed map that scheduled this batch, when there is one. */
  readonly mapRunId?: string;
}

/** The input of a batch task, as the ItemBatcher builds it plus the `stepfleet` block. */
export interface StepfleetBatchInput<Item = unknown, BatchInput = unknown> {
  /** The batch's items (`ItemBatcher.MaxItemsPerBatch` at most). */
  readonly Items: readonly Item[];
  /** The same object for every batch (`ItemBatcher.BatchInput`). */
  readonly BatchInput?: BatchInput;
  /** Context the generated state machine passes in. */
  readonly stepfleet?: StepfleetTaskContext;
}

/** A problem with the `stepfleet` block, named by field. */
export type EnvelopeProblem = string;

/**
 * Reads the `stepfleet` block of a parsed task input, if any. Returns the problems found
 * (a malformed block is an `Input.Invalid`, not something to guess around).
 */
export function readTaskContext(input: unknown): {
  context: StepfleetTaskContext | undefined;
  problems: EnvelopeProblem[];
} {
  if (!isObject(input) || input.stepfleet === undefined) return { context: undefined, problems: [] };
  const block = input.stepfleet;
  if (!isObject(block)) return { context: undefined, problems: ['stepfleet must be an object'] };
  const problems: EnvelopeProblem[] = [];
  if (typeof block.executionId !== 'string' || block.executionId === '') {
    problems.push('stepfleet.executionId must be a non-empty string');
  }
  for (const field of ['heartbeatSeconds', 'timeoutSeconds'] as const) {
    const v = block[field];
    if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) {
      problems.push(`stepfleet.${field} must be a positive number, got ${JSON.stringify(v)}`);
    }
  }
  const attempt = block.attempt;
  if (attempt !== undefined && !(Number.isInteger(attempt) && (attempt as number) >= 0)) {
    problems.push(`stepfleet.attempt must be a non-negative integer, got ${JSON.stringify(attempt)}`);
  }
  if (block.stateEnteredTime !== undefined && Number.isNaN(Date.parse(String(block.stateEnteredTime)))) {
    problems.push(
      `stepfleet.stateEnteredTime must be an ISO 8601 time, got ${JSON.stringify(block.stateEnteredTime)}`,
    );
  }
  if (block.mapRunId !== undefined && typeof block.mapRunId !== 'string') {
    problems.push('stepfleet.mapRunId must be a string');
  }
  if (problems.length > 0) return { context: undefined, problems };
  return { context: block as unknown as StepfleetTaskContext, problems };
}

/** Whether a parsed input is a batch (`Items` is an array). */
export function isBatchInput(input: unknown): input is StepfleetBatchInput {
  return isObject(input) && Array.isArray(input.Items);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
