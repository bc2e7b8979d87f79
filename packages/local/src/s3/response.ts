import { createHash } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { AwsError } from '../aws-error.ts';
import type { RequestContext } from '../service.ts';
import type { S3Route } from './route.ts';
import type { S3Store } from './types.ts';
import { type XmlElement, xmlDocument, xmlElements } from './xml.ts';

/** Everything an operation handler needs about one call. */
export interface S3Call {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly ctx: RequestContext;
  readonly route: S3Route;
  readonly store: S3Store;
}

/** One handler per S3 operation. */
export type S3Handler = (call: S3Call) => Promise<void>;

/** The request ids S3 puts on every response. */
export function requestIdHeaders(ctx: RequestContext): OutgoingHttpHeaders {
  return {
    'x-amz-request-id': ctx.requestId,
    'x-amz-id-2': createHash('sha256').update(ctx.requestId).digest('base64'),
  };
}

/** Answers with headers and no body. */
export function sendEmpty(call: S3Call, status: number, headers: OutgoingHttpHeaders = {}): void {
  call.res.writeHead(status, { ...requestIdHeaders(call.ctx), 'content-length': 0, ...headers });
  call.res.end();
}

/** Answers with an S3 XML document. */
export function sendXml(
  call: S3Call,
  root: string,
  elements: readonly XmlElement[],
  headers: OutgoingHttpHeaders = {},
): void {
  const body = xmlDocument(root, elements);
  call.res.writeHead(200, {
    ...requestIdHeaders(call.ctx),
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  call.res.end(body);
}

/** Writes S3's XML error (no body for HEAD, whose errors carry only the status, as S3). */
export function writeS3Error(res: ServerResponse, error: AwsError, ctx: RequestContext): void {
  if (res.headersSent || res.destroyed) return;
  const head = res.req?.method === 'HEAD';
  const body = head
    ? ''
    : `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${xmlElements([
        ['Code', error.code],
        ['Message', error.message],
        ...Object.entries(error.fields),
        ['RequestId', ctx.requestId],
        ['HostId', requestIdHeaders(ctx)['x-amz-id-2'] as string],
      ])}</Error>`;
  res.writeHead(error.statusCode, {
    ...requestIdHeaders(ctx),
    ...(head ? { 'x-amz-error-code': error.code } : { 'content-type': 'application/xml' }),
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** S3's timestamp format in XML documents (ISO 8601 with milliseconds). */
export function xmlDate(date: Date): string {
  return date.toISOString();
}

/** The owner S3 reports for everything: the local backend has one account. */
export function owner(ctx: RequestContext): XmlElement[] {
  const id = createHash('sha256').update(ctx.accountId).digest('hex');
  return [
    ['ID', id],
    ['DisplayName', 'stepfleet-local'],
  ];
}
