import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { AwsError, throttlingError } from './aws-error.ts';
import type { FaultInjector } from './faults.ts';
import type { JsonService, RequestContext, RestService } from './service.ts';

/** A non-AWS route (the ECS agent endpoint, the backend's control API). */
export interface ExtraRoute {
  /** Path prefix the route owns, e.g. `/_stepfleet/`. */
  readonly prefix: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** What the router needs; plain data so tests can build one directly. */
export interface RouterContext {
  readonly jsonServices: readonly JsonService[];
  readonly rest: RestService;
  readonly extraRoutes: readonly ExtraRoute[];
  readonly faults: FaultInjector;
  readonly accountId: string;
  readonly defaultRegion: string;
  /** Largest JSON request body accepted (AWS: 1 MB for Step Functions). */
  readonly maxJsonBodyBytes: number;
  readonly onError?: (error: unknown, where: string) => void;
}

const REGION_IN_CREDENTIAL = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//;

/** The region a request was signed for, read from its SigV4 `Authorization` header. */
export function regionOf(req: IncomingMessage, fallback: string): string {
  const auth = req.headers.authorization;
  const match = typeof auth === 'string' ? REGION_IN_CREDENTIAL.exec(auth) : null;
  return match?.[1] ?? fallback;
}

/**
 * Builds the request listener: routes by protocol (JSON targets by `X-Amz-Target`, extra
 * routes by path prefix, everything else to the REST service), applies fault injection, and
 * turns every thrown error into the protocol's error shape. It never throws.
 */
export function createRouter(ctx: RouterContext): (req: IncomingMessage, res: ServerResponse) => void {
  const byPrefix = new Map(ctx.jsonServices.map((s) => [s.targetPrefix, s]));
  return (req, res) => {
    route(ctx, byPrefix, req, res).catch((error: unknown) => {
      ctx.onError?.(error, 'router');
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('InternalError');
      } else {
        res.destroy();
      }
    });
  };
}

function requestContext(ctx: RouterContext, req: IncomingMessage, res: ServerResponse): RequestContext {
  // The signal is made only for the handlers that read it (long polls, uploads): an
  // AbortController per request would be a measurable share of a cheap call's cost.
  let gone: AbortController | undefined;
  let wentAway = false;
  // `close` on the response fires both after a normal end and on a reset; only the latter
  // (response not finished) means the client went away.
  res.once('close', () => {
    if (res.writableFinished) return;
    wentAway = true;
    gone?.abort(new Error('client connection closed'));
  });
  return {
    region: regionOf(req, ctx.defaultRegion),
    accountId: ctx.accountId,
    requestId: randomUUID(),
    get clientGone() {
      if (!gone) {
        gone = new AbortController();
        if (wentAway) gone.abort(new Error('client connection closed'));
      }
      return gone.signal;
    },
  };
}

async function route(
  ctx: RouterContext,
  byPrefix: Map<string, JsonService>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = req.url ?? '/';
  for (const extra of ctx.extraRoutes) {
    if (url.startsWith(extra.prefix)) return extra.handle(req, res);
  }
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return routeJson(ctx, byPrefix, target, req, res);
  if (req.headers['content-type']?.startsWith('application/x-amz-json')) {
    req.resume();
    return writeJsonError(
      res,
      'application/x-amz-json-1.0',
      new AwsError('UnknownOperationException', 'Missing X-Amz-Target header'),
      randomUUID(),
    );
  }
  return routeRest(ctx, req, res);
}

async function routeJson(
  ctx: RouterContext,
  byPrefix: Map<string, JsonService>,
  target: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const rc = requestContext(ctx, req, res);
  const dot = target.lastIndexOf('.');
  const service = byPrefix.get(target.slice(0, dot));
  const operationName = target.slice(dot + 1);
  const contentType = service?.contentType ?? 'application/x-amz-json-1.0';
  let raw: Buffer;
  try {
    raw = await readBody(req, ctx.maxJsonBodyBytes);
  } catch (error) {
    return writeJsonError(res, contentType, asAwsError(error), rc.requestId);
  }
  if (!service || dot < 0) {
    return writeJsonError(
      res,
      contentType,
      new AwsError('UnknownOperationException', `Unknown target ${target}`),
      rc.requestId,
    );
  }
  const operation = Object.hasOwn(service.operations, operationName)
    ? service.operations[operationName]
    : undefined;
  if (!operation) {
    return writeJsonError(
      res,
      contentType,
      new AwsError(
        'UnknownOperationException',
        `${service.serviceName} does not support ${operationName} in stepfleet local`,
      ),
      rc.requestId,
    );
  }
  let input: unknown;
  try {
    input = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
  } catch {
    return writeJsonError(
      res,
      contentType,
      new AwsError('SerializationException', 'The request body is not valid JSON'),
      rc.requestId,
    );
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return writeJsonError(
      res,
      contentType,
      new AwsError('SerializationException', 'The request body must be a JSON object'),
      rc.requestId,
    );
  }
  const fault = ctx.faults.decide(service.serviceName, operationName);
  if (fault.delayMs > 0) await sleep(fault.delayMs);
  if (fault.throttle) return writeJsonError(res, contentType, throttlingError(), rc.requestId);
  if (fault.serverError) {
    return writeJsonError(
      res,
      contentType,
      new AwsError('InternalFailure', 'Injected server error', 500),
      rc.requestId,
    );
  }
  let output: unknown;
  try {
    output = await operation(input as Record<string, unknown>, rc);
  } catch (error) {
    if (!(error instanceof AwsError)) ctx.onError?.(error, `${service.serviceName}.${operationName}`);
    return writeJsonError(res, contentType, asAwsError(error), rc.requestId);
  }
  if (fault.drop) {
    ctx.faults.recordDrop(service.serviceName, operationName);
    return void res.destroy();
  }
  const body = JSON.stringify(output ?? {});
  res.writeHead(200, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': rc.requestId,
  });
  res.end(body);
}

async function routeRest(ctx: RouterContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const rc = requestContext(ctx, req, res);
  const operation = ctx.rest.operationOf(req);
  const fault = ctx.faults.decide(ctx.rest.serviceName, operation);
  if (fault.delayMs > 0) await sleep(fault.delayMs);
  if (fault.throttle) {
    req.resume();
    return ctx.rest.writeError(res, new AwsError('SlowDown', 'Please reduce your request rate.', 503), rc);
  }
  if (fault.serverError) {
    req.resume();
    return ctx.rest.writeError(res, new AwsError('InternalError', 'Injected server error', 500), rc);
  }

  const end = res.end;
  if (fault.drop) {
    // The call takes effect, then the connection is reset before the client sees the answer.
    res.end = (() => {
      ctx.faults.recordDrop(ctx.rest.serviceName, operation);
      res.destroy();
    }) as unknown as typeof res.end;
  }
  try {
    await ctx.rest.handle(req, res, rc);
  } catch (error) {
    if (!(error instanceof AwsError)) ctx.onError?.(error, `${ctx.rest.serviceName}.${operation}`);
    if (res.headersSent) return void res.destroy();
    req.resume();
    res.end = end; // an error answer means the call did not take effect: it is never dropped
    ctx.rest.writeError(res, asAwsError(error), rc);
  }
}

function asAwsError(error: unknown): AwsError {
  if (error instanceof AwsError) return error;
  return new AwsError('InternalFailure', 'The local backend failed to handle the request', 500);
}

/** Writes an AWS JSON-protocol error (`__type` + `message`, `x-amzn-ErrorType`). */
export function writeJsonError(
  res: ServerResponse,
  contentType: string,
  error: AwsError,
  requestId: string,
): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify({ __type: error.code, message: error.message, ...error.fields });
  res.writeHead(error.statusCode, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': error.code,
    'x-amzn-requestid': requestId,
  });
  res.end(body);
}

/**
 * Reads a whole request body, refusing bodies over `limitBytes` with a 413-style AwsError (the
 * rest is drained). Event listeners rather than an async iterator: this runs on every request.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      reject(error);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limitBytes) {
        fail(new AwsError('RequestEntityTooLargeException', `Request body exceeds ${limitBytes} bytes`, 413));
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', fail);
    req.on('close', () => {
      if (!req.complete)
        fail(new AwsError('RequestAborted', 'The client closed the connection mid-request', 400));
    });
  });
}
