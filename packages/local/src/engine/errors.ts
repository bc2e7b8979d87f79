import { AwsError } from '../aws-error.ts';

/**
 * An error raised while a state runs, named as ASL Retry/Catch match it (`States.TaskFailed`,
 * `States.Timeout`, a worker's own error name...). `cause` is the human-readable detail.
 */
export class StatesError extends Error {
  /** The error name Retry/Catch `ErrorEquals` compare against. */
  readonly error: string;
  /** The detail AWS puts in `Cause` (may be empty). */
  readonly causeText: string;

  constructor(error: string, causeText = '') {
    super(`${error}: ${causeText}`);
    this.name = 'StatesError';
    this.error = error;
    this.causeText = causeText;
  }

  /** The `{Error, Cause}` object a Catch hands to its next state. */
  toErrorOutput(): { Error: string; Cause: string } {
    return { Error: this.error, Cause: this.causeText };
  }
}

/** A `States.Runtime` error: a path that does not resolve, a bad intrinsic argument... */
export const runtimeError = (cause: string): StatesError => new StatesError('States.Runtime', cause);

/** Raised inside an execution when it was stopped or its parent aborted it. */
export class ExecutionAborted extends Error {
  constructor() {
    super('execution aborted');
    this.name = 'ExecutionAborted';
  }
}

/** Normalizes anything thrown by a state's work into a {@link StatesError}. */
export function toStatesError(error: unknown): StatesError {
  if (error instanceof StatesError) return error;
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? error.name : 'Error';
    return new StatesError(name, error.message);
  }
  return new StatesError('Error', String(error));
}

/** `InvalidDefinition` in the message format Step Functions uses, naming the field's path. */
export function invalidDefinition(problems: readonly string[]): AwsError & { problems: readonly string[] } {
  const listed = problems.map((p) => `'${p}'`).join(', ');
  // The problems stay attached for ValidateStateMachineDefinition's diagnostics.
  return Object.assign(new AwsError('InvalidDefinition', `Invalid State Machine Definition: ${listed}`), {
    problems,
  });
}

/** The AWS error for an ARN that names nothing of the expected kind. */
export const invalidArn = (arn: unknown): AwsError =>
  new AwsError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
