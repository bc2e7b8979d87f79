import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AwsError } from './aws-error.ts';

/** What every operation handler learns about the request that called it. */
export interface RequestContext {
  /** The region the client signed the request for (from its SigV4 credential scope). */
  readonly region: string;
  /** The account id ARNs are built with. */
  readonly accountId: string;
  /** A fresh id per request, returned as `x-amzn-RequestId` / `x-amz-request-id`. */
  readonly requestId: string;
  /**
   * Fires when the client's connection closes before the response was sent: for a long poll
   * this is the client giving up (or being killed), which AWS does not see.
   */
  readonly clientGone: AbortSignal;
}

/** One operation of a JSON-protocol service: parsed JSON body in, JSON-serializable value out. */
export type JsonOperation = (
  input: Record<string, unknown>,
  ctx: RequestContext,
) => Promise<unknown> | unknown;

/**
 * A service spoken over AWS JSON 1.0 / 1.1: routed by `X-Amz-Target: <targetPrefix>.<Operation>`.
 * Throw an {@link AwsError} to answer an error.
 */
export interface JsonService {
  /** The signing name, used for fault injection rules (`states`, `ecs`). */
  readonly serviceName: string;
  /** The part of `X-Amz-Target` before the dot, e.g. `AWSStepFunctions`. */
  readonly targetPrefix: string;
  /** `application/x-amz-json-1.0` or `-1.1`. */
  readonly contentType: string;
  readonly operations: Readonly<Record<string, JsonOperation>>;
}

/** A REST service (S3): it names the operation of a request, then answers it itself. */
export interface RestService {
  readonly serviceName: string;
  /** The AWS operation name for a request (for fault rules and logs), e.g. `GetObject`. */
  operationOf(req: IncomingMessage): string;
  /** Answers the request; throw an {@link AwsError} to answer an error in the service's format. */
  handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void>;
  /** Writes an error response in the service's format (S3 XML). */
  writeError(res: ServerResponse, error: AwsError, ctx: RequestContext): void;
}
