/**
 * Reports how a task ended: SendTaskSuccess / SendTaskFailure, retried on throttling, 5xx and
 * network errors with jittered backoff, never on 4xx task errors. Failure `error` and `cause`
 * are cut to the service limits; outputs over 262,144 bytes go to S3 through `offload`, or
 * fail as `Output.TooLarge` when no bucket is set.
 */
import type { ActivityApi } from './activity-api.ts';
import { awsErrorName, isRetryable, isTaskGone } from './aws-errors.ts';
import { withRetry } from './backoff.ts';
import { ErrorNames } from './errors.ts';
import { MAX_CAUSE_CHARS, MAX_ERROR_CHARS, MAX_PAYLOAD_BYTES, truncateText, utf8Bytes } from './truncate.ts';

/** What the reporter needs from the worker. */
export interface ReporterContext {
  readonly sfn: ActivityApi;
  readonly maxAttempts: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** Writes a too-large output somewhere and returns its `s3://` URL; null when no bucket is set. */
  readonly offload: ((output: string, key: OutputKey) => Promise<string>) | null;
  /** Called on each retried error (for logs and the throttle metric). */
  onRetry(error: unknown, attempt: number): void;
}

/** What names an offloaded output's object. */
export interface OutputKey {
  /** Short hash of the task token. */
  readonly tokenHash: string;
  /** The execution id from the task's `stepfleet` block, when there is one. */
  readonly executionId: string | undefined;
}

/** How a report ended. */
export type ReportResult =
  /** The service took it. */
  | { readonly kind: 'reported'; readonly attempts: number }
  /** The task was already closed or gone (TaskTimedOut...): an earlier attempt may have taken effect. */
  | { readonly kind: 'task-gone'; readonly error: string }
  /** It could not be delivered (attempts spent, or a 4xx such as InvalidOutput). */
  | { readonly kind: 'undelivered'; readonly error: unknown };

/** The failure actually reported for an outcome (after the output size check). */
export interface ReportedAs {
  readonly status: 'succeeded' | 'failed';
  readonly error?: string;
  readonly offloadedTo?: string;
}

/** Sends task results with retries and the size rules of Step Functions. */
export class Reporter {
  readonly #ctx: ReporterContext;

  constructor(ctx: ReporterContext) {
    this.#ctx = ctx;
  }

  /**
   * Reports success with `output` (JSON text). Over 262,144 bytes it is offloaded and a
   * `{"$stepfleetOutput": "s3://..."}` pointer sent instead, or the task fails `Output.TooLarge`.
   */
  async success(token: string, output: string, key: OutputKey): Promise<ReportResult & { as: ReportedAs }> {
    const bytes = utf8Bytes(output);
    if (bytes > MAX_PAYLOAD_BYTES) {
      if (!this.#ctx.offload) {
        const cause =
          `the output is ${bytes} bytes, over the Step Functions limit of ${MAX_PAYLOAD_BYTES}; ` +
          'set outputBucket (STEPFLEET_OUTPUT_BUCKET) to offload large outputs to S3';
        const result = await this.failure(token, ErrorNames.outputTooLarge, cause);
        return { ...result, as: { status: 'failed', error: ErrorNames.outputTooLarge } };
      }
      let url: string;
      try {
        url = await this.#ctx.offload(output, key);
      } catch (error) {
        const cause = `the output is ${bytes} bytes and writing it to S3 failed: ${awsErrorName(error)}: ${(error as Error)?.message}`;
        const result = await this.failure(token, ErrorNames.outputTooLarge, cause);
        return { ...result, as: { status: 'failed', error: ErrorNames.outputTooLarge } };
      }
      const pointer = JSON.stringify({ $stepfleetOutput: url });
      const result = await this.#send((sfn) => sfn.sendTaskSuccess(token, pointer));
      return { ...result, as: { status: 'succeeded', offloadedTo: url } };
    }
    const result = await this.#send((sfn) => sfn.sendTaskSuccess(token, output));
    return { ...result, as: { status: 'succeeded' } };
  }

  /** Reports failure; `error` and `cause` are cut to 256 and 32,768 characters. */
  failure(token: string, error: string, cause: string): Promise<ReportResult> {
    const safeError = truncateText(
      error.startsWith('States.') ? `Handler.${error}` : error,
      MAX_ERROR_CHARS,
      false,
    );
    const safeCause = truncateText(cause, MAX_CAUSE_CHARS);
    return this.#send((sfn) => sfn.sendTaskFailure(token, safeError, safeCause));
  }

  async #send(call: (sfn: ActivityApi) => Promise<void>): Promise<ReportResult> {
    let attempts = 0;
    try {
      await withRetry(
        async () => {
          attempts++;
          await call(this.#ctx.sfn);
        },
        {
          maxAttempts: this.#ctx.maxAttempts,
          initialMs: this.#ctx.backoffInitialMs,
          maxMs: this.#ctx.backoffMaxMs,
          isRetryable,
          onRetry: (error, attempt) => this.#ctx.onRetry(error, attempt),
        },
      );
      return { kind: 'reported', attempts };
    } catch (error) {
      // After a retry, "gone" most likely means a response was lost after the call took effect.
      if (isTaskGone(error)) return { kind: 'task-gone', error: awsErrorName(error) };
      return { kind: 'undelivered', error };
    }
  }
}
