/**
 * The errors a worker reports to Step Functions. Each `name` is fixed: it is the `error`
 * string of SendTaskFailure, which ASL `Retry` / `Catch` match with `ErrorEquals`.
 * What a handler throws is reported under its own error class name (see {@link errorNameOf}).
 */

/** The fixed error names, as ASL `ErrorEquals` sees them. */
export const ErrorNames = {
  /** The worker stopped (SIGTERM, scale-in, Spot) before the task finished. Retryable. */
  interrupted: 'Worker.Interrupted',
  /** The handler's thread crashed: `process.exit`, out of memory, an uncaught error. */
  crashed: 'Worker.Crashed',
  /** The handler ran past its deadline and was aborted. */
  timeout: 'Handler.Timeout',
  /** The task input is not JSON, its `stepfleet` block is malformed, or it fails the schema. */
  inputInvalid: 'Input.Invalid',
  /** The output is over 262,144 bytes and no output bucket is configured. */
  outputTooLarge: 'Output.TooLarge',
  /** The handler returned something JSON cannot represent (a BigInt, a cycle). */
  outputInvalid: 'Output.Invalid',
} as const;

/** One of the fixed error names. */
export type StepfleetErrorName = (typeof ErrorNames)[keyof typeof ErrorNames];

/** Base of the errors with a fixed name; `cause` carries what led to it. */
export class StepfleetWorkerError extends Error {
  constructor(name: StepfleetErrorName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }
}

/** `Worker.Interrupted`: the worker stopped before the task finished. */
export class WorkerInterruptedError extends StepfleetWorkerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorNames.interrupted, message, options);
  }
}

/** `Worker.Crashed`: the thread running the handler died. */
export class WorkerCrashedError extends StepfleetWorkerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorNames.crashed, message, options);
  }
}

/** `Handler.Timeout`: the handler ran past its deadline. */
export class HandlerTimeoutError extends StepfleetWorkerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorNames.timeout, message, options);
  }
}

/** `Input.Invalid`: the input cannot be handled as given; `issues` names each problem. */
export class InputInvalidError extends StepfleetWorkerError {
  /** One line per problem, each naming the path of the offending field. */
  readonly issues: readonly string[];
  constructor(message: string, issues: readonly string[] = [], options?: { cause?: unknown }) {
    super(ErrorNames.inputInvalid, issues.length ? `${message}: ${issues.join('; ')}` : message, options);
    this.issues = issues;
  }
}

/** `Output.TooLarge`: the output is over the Step Functions limit and cannot be offloaded. */
export class OutputTooLargeError extends StepfleetWorkerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorNames.outputTooLarge, message, options);
  }
}

/** Thrown on a call that the worker's lifecycle state does not allow (e.g. `run()` twice). */
export class IllegalStateError extends Error {
  override readonly name = 'IllegalStateError';
}

/**
 * The name a thrown value is reported under: the error's `name` when it was set to something
 * more specific than `Error`, else its class name (`class QuotaError extends Error {}` gives
 * `QuotaError`), else `Error`. Names starting with `States.` are reserved by Step Functions and
 * get a `Handler.` prefix.
 */
export function errorNameOf(error: unknown): string {
  let name = 'Error';
  if (error instanceof Error) {
    if (error.name && error.name !== 'Error') name = error.name;
    else if (error.constructor?.name && error.constructor.name !== 'Error') name = error.constructor.name;
  } else if (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { name?: unknown }).name === 'string'
  ) {
    name = (error as { name: string }).name;
  }
  return name.startsWith('States.') ? `Handler.${name}` : name;
}

/** The `cause` a thrown value is reported with: its stack (which starts with the message), or its text. */
export function errorCauseOf(error: unknown): string {
  if (error instanceof Error) {
    const stack = error.stack ?? `${error.name}: ${error.message}`;
    // A subclass that does not set `name` stacks as "Error: ...": show the name it is reported under.
    const name = errorNameOf(error);
    return stack.startsWith(`${error.name}:`) && name !== error.name
      ? name + stack.slice(error.name.length)
      : stack;
  }
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
