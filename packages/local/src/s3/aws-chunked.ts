import { Transform, type TransformCallback } from 'node:stream';
import { s3Errors } from './errors.ts';

/** Longest chunk header or trailer line accepted (a size, a signature, a checksum fit easily). */
const MAX_LINE_BYTES = 4096;
const CR = 0x0d;
const LF = 0x0a;

type State = 'header' | 'data' | 'data-end' | 'trailer' | 'done';

/**
 * Decodes an `aws-chunked` request body (SigV4 streaming, signed or unsigned, with or without
 * trailers) into the payload bytes, as it streams:
 *
 * ```
 * <hex size>[;chunk-signature=<sig>]\r\n<size bytes>\r\n ... 0[;chunk-signature=<sig>]\r\n
 * [<trailer name>:<value>\r\n ...]\r\n
 * ```
 *
 * Trailers (the SDK sends its flexible checksum as one, e.g. `x-amz-checksum-crc32`) are
 * collected in {@link trailers}, names lower-cased, once the stream has ended. Chunk signatures
 * are not verified: the local backend accepts any credentials.
 */
export class AwsChunkedDecoder extends Transform {
  /** Trailer headers, available after the stream ends. */
  readonly trailers = new Map<string, string>();
  #state: State = 'header';
  #line: Buffer[] = [];
  #lineBytes = 0;
  #remaining = 0;
  #crlfSeen = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      let at = 0;
      while (at < chunk.length) {
        switch (this.#state) {
          case 'header':
          case 'trailer': {
            const end = chunk.indexOf(LF, at);
            const stop = end < 0 ? chunk.length : end + 1;
            this.#appendLine(chunk.subarray(at, stop));
            at = stop;
            if (end >= 0) this.#endLine();
            break;
          }
          case 'data': {
            const take = Math.min(this.#remaining, chunk.length - at);
            this.push(chunk.subarray(at, at + take));
            this.#remaining -= take;
            at += take;
            if (this.#remaining === 0) this.#state = 'data-end';
            break;
          }
          case 'data-end': {
            const expected = this.#crlfSeen === 0 ? CR : LF;
            if (chunk[at] !== expected) throw framingError('a chunk is not followed by CRLF');
            at++;
            if (++this.#crlfSeen === 2) {
              this.#crlfSeen = 0;
              this.#state = 'header';
            }
            break;
          }
          case 'done':
            throw framingError('data after the final chunk and trailers');
        }
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    callback(this.#state === 'done' ? null : framingError('the body ended before its final chunk'));
  }

  #appendLine(part: Buffer): void {
    this.#lineBytes += part.length;
    if (this.#lineBytes > MAX_LINE_BYTES) throw framingError('a chunk header or trailer line is too long');
    this.#line.push(part);
  }

  #endLine(): void {
    const raw = Buffer.concat(this.#line).toString('latin1');
    this.#line = [];
    this.#lineBytes = 0;
    if (!raw.endsWith('\r\n')) throw framingError('a chunk header or trailer line does not end in CRLF');
    const line = raw.slice(0, -2);
    if (this.#state === 'header') {
      const size = line.split(';', 1)[0]!;
      if (!/^[0-9a-fA-F]{1,16}$/.test(size)) throw framingError(`invalid chunk size ${JSON.stringify(size)}`);
      this.#remaining = Number.parseInt(size, 16);
      this.#state = this.#remaining === 0 ? 'trailer' : 'data';
      return;
    }
    if (line === '') {
      this.#state = 'done';
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw framingError(`invalid trailer line ${JSON.stringify(line.slice(0, 80))}`);
    this.trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
}

function framingError(problem: string) {
  return s3Errors.invalidRequest(`Invalid aws-chunked request body: ${problem}.`);
}
