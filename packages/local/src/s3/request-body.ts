import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import { AwsError } from '../aws-error.ts';
import { AwsChunkedDecoder } from './aws-chunked.ts';
import { CHECKSUM_ALGORITHMS, createDigest, parseChecksumAlgorithm } from './checksums.ts';
import { s3Errors } from './errors.ts';
import type { ChecksumAlgorithm } from './types.ts';

/** A request's payload, decoded, with what the client declared about it. */
export interface RequestPayload {
  /** The payload bytes (aws-chunked framing removed). */
  readonly stream: Readable;
  /** The payload's length as declared (`Content-Length`, or `x-amz-decoded-content-length`). */
  readonly contentLength?: number;
  readonly contentMd5?: string;
  /**
   * The flexible checksum to check. `value` is a getter: for a streamed upload it is read from
   * the body's trailer, known only once the body has been read.
   */
  readonly checksum?: { readonly algorithm: ChecksumAlgorithm; readonly value?: string };
}

/** Whether the request body uses SigV4 streaming (`aws-chunked`) framing. */
function isAwsChunked(req: IncomingMessage): boolean {
  const encoding = req.headers['content-encoding'] ?? '';
  const sha = req.headers['x-amz-content-sha256'];
  return (
    encoding
      .split(',')
      .map((e) => e.trim())
      .includes('aws-chunked') ||
    (typeof sha === 'string' && sha.startsWith('STREAMING-'))
  );
}

/** `Content-Encoding` without the transfer-only `aws-chunked` token, as S3 stores it. */
export function storedContentEncoding(req: IncomingMessage): string | undefined {
  const kept = (req.headers['content-encoding'] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '' && e !== 'aws-chunked');
  return kept.length > 0 ? kept.join(', ') : undefined;
}

/**
 * Reads the payload framing and checksum declarations of a request; the body is not consumed
 * yet. With `lengthRequired` (object uploads), a body of undeclared length is refused with
 * `MissingContentLength`, as S3 does.
 */
export function requestPayload(req: IncomingMessage, lengthRequired: boolean): RequestPayload {
  const chunked = isAwsChunked(req);
  const lengthHeader = chunked ? req.headers['x-amz-decoded-content-length'] : req.headers['content-length'];
  const contentLength =
    lengthHeader === undefined && !lengthRequired
      ? undefined
      : parseLength(lengthHeader, chunked ? 'x-amz-decoded-content-length' : 'Content-Length');
  let stream: Readable = req;
  let decoder: AwsChunkedDecoder | undefined;
  if (chunked) {
    decoder = new AwsChunkedDecoder();
    stream = pipeline(req, decoder, () => {});
  }
  // A signed payload carries its SHA-256 in hex; S3 checks it, and so does the backend.
  const payloadHash = req.headers['x-amz-content-sha256'];
  if (typeof payloadHash === 'string' && /^[0-9a-f]{64}$/.test(payloadHash)) {
    stream = pipeline(stream, new PayloadHashCheck(payloadHash), () => {});
  }
  const md5 = headerText(req, 'content-md5');
  if (md5 !== undefined && !/^[A-Za-z0-9+/]{22}==$/.test(md5)) throw s3Errors.invalidDigest('Content-MD5');
  const checksum = declaredChecksum(req, decoder);
  return {
    stream,
    ...(contentLength !== undefined ? { contentLength } : {}),
    ...(md5 !== undefined ? { contentMd5: md5 } : {}),
    ...(checksum ? { checksum } : {}),
  };
}

function headerText(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseLength(value: string | string[] | undefined, name: string): number {
  if (value === undefined) throw s3Errors.missingContentLength();
  const text = Array.isArray(value) ? value[0]! : value;
  if (!/^\d{1,16}$/.test(text))
    throw s3Errors.invalidArgument(`${name} must be a non-negative integer`, name, text);
  return Number(text);
}

function declaredChecksum(
  req: IncomingMessage,
  decoder: AwsChunkedDecoder | undefined,
): { algorithm: ChecksumAlgorithm; value?: string } | undefined {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const header = `x-amz-checksum-${algorithm.toLowerCase()}`;
    const value = req.headers[header];
    if (typeof value === 'string') return { algorithm, value };
  }
  const trailer = req.headers['x-amz-trailer'];
  if (typeof trailer === 'string' && decoder) {
    const name = trailer.trim().toLowerCase();
    const algorithm = name.startsWith('x-amz-checksum-') ? parseChecksumAlgorithm(name.slice(15)) : undefined;
    if (!algorithm) throw s3Errors.invalidRequest(`Unsupported x-amz-trailer ${JSON.stringify(trailer)}`);
    return {
      algorithm,
      get value(): string {
        const value = decoder.trailers.get(name);
        if (value === undefined) {
          throw s3Errors.invalidRequest(
            `The trailer ${name} declared in x-amz-trailer is missing from the body.`,
          );
        }
        return value;
      },
    };
  }
  const named = req.headers['x-amz-sdk-checksum-algorithm'];
  if (typeof named === 'string') {
    const algorithm = parseChecksumAlgorithm(named);
    if (!algorithm) throw s3Errors.invalidRequest(`Unsupported x-amz-sdk-checksum-algorithm ${named}`);
    return { algorithm };
  }
  return undefined;
}

/**
 * Reads a small request body (an XML document) whole, refusing more than `limitBytes`, and
 * checks the `Content-MD5` or flexible checksum the client sent with it.
 */
export async function readSmallBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const payload = requestPayload(req, false);
  if (payload.contentLength !== undefined && payload.contentLength > limitBytes) {
    req.resume();
    throw s3Errors.invalidRequest(`The request body exceeds ${limitBytes} bytes.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload.stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw s3Errors.invalidRequest(`The request body exceeds ${limitBytes} bytes.`);
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  if (payload.contentLength !== undefined && body.length !== payload.contentLength)
    throw s3Errors.incompleteBody(payload.contentLength, body.length);
  if (
    payload.contentMd5 !== undefined &&
    createHash('md5').update(body).digest('base64') !== payload.contentMd5
  ) {
    throw s3Errors.badDigest('Content-MD5');
  }
  if (payload.checksum?.value !== undefined) {
    const digest = createDigest(payload.checksum.algorithm);
    digest.update(body);
    if (digest.digestBase64() !== payload.checksum.value)
      throw s3Errors.badDigest(payload.checksum.algorithm);
  }
  return body;
}

/** Passes a body through, failing it at its end when its SHA-256 is not the one signed. */
class PayloadHashCheck extends Transform {
  readonly #hash = createHash('sha256');
  readonly #expected: string;

  constructor(expected: string) {
    super();
    this.#expected = expected;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.#hash.digest('hex');
    callback(
      actual === this.#expected
        ? null
        : new AwsError(
            'XAmzContentSHA256Mismatch',
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            400,
            { ClientComputedContentSHA256: this.#expected, S3ComputedContentSHA256: actual },
          ),
    );
  }
}
