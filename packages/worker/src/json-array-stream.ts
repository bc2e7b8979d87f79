/**
 * Streams the elements of one JSON array from chunks of bytes, without ever holding the array
 * as one string: a Distributed Map ResultWriter file of a large Map Run can exceed V8's largest
 * string (about 512 MiB), while each element (one child execution) is small. Only the bytes of
 * the element being read are kept.
 */

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const BOM = [0xef, 0xbb, 0xbf] as const;

const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Yields each top-level element of the JSON array carried by `chunks`, parsed, in order.
 * Throws a SyntaxError naming the byte offset when the bytes are not one JSON array (a
 * leading UTF-8 byte order mark and surrounding whitespace are allowed).
 *
 * @example
 * ```ts
 * for await (const execution of jsonArrayElements(await s3.getStream(ref))) count++;
 * ```
 */
export async function* jsonArrayElements(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<unknown, void, undefined> {
  const decoder = new TextDecoder();
  /** Bytes of the element being read that came in earlier chunks. */
  let carried: Uint8Array[] = [];
  let phase: 'before' | 'array' | 'after' = 'before';
  let offset = 0; // of the current chunk's first byte in the whole input
  let depth = 0;
  let inString = false;
  let escaped = false;
  let inElement = false;
  let afterComma = false;
  let count = 0;
  let elementStart = 0; // byte offset (whole input) where the current element began

  const parse = (chunk: Uint8Array, from: number, to: number): unknown => {
    const tail = chunk.subarray(from, to);
    const bytes = carried.length === 0 ? tail : Buffer.concat([...carried, tail]);
    carried = [];
    try {
      return JSON.parse(decoder.decode(bytes));
    } catch (error) {
      throw new SyntaxError(`element ${count} (at byte ${elementStart}): ${(error as Error).message}`);
    }
  };

  for await (const chunk of chunks) {
    let start = 0; // where the current element's bytes begin in this chunk
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (phase === 'array' && inElement) {
        if (inString) {
          if (escaped) escaped = false;
          else if (b === BACKSLASH) escaped = true;
          else if (b === QUOTE) inString = false;
          continue;
        }
        if (b === QUOTE) inString = true;
        else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
        else if (depth > 0 && (b === CLOSE_BRACE || b === CLOSE_BRACKET)) depth--;
        else if (depth === 0 && (b === COMMA || b === CLOSE_BRACKET)) {
          inElement = false;
          yield parse(chunk, start, i);
          count++;
          afterComma = b === COMMA;
          if (b === CLOSE_BRACKET) phase = 'after';
        }
        continue;
      }
      if (isSpace(b)) continue;
      const at = offset + i;
      if (phase === 'before') {
        if (at < BOM.length && b === BOM[at]) continue;
        if (b !== OPEN_BRACKET) throw new SyntaxError(`expected a JSON array at byte ${at}`);
        phase = 'array';
      } else if (phase === 'after') {
        throw new SyntaxError(`unexpected data after the array at byte ${at}`);
      } else if (b === COMMA) {
        throw new SyntaxError(`unexpected ',' at byte ${at}`);
      } else if (b === CLOSE_BRACKET) {
        if (afterComma) throw new SyntaxError(`unexpected ']' after ',' at byte ${at}`);
        phase = 'after';
      } else {
        // An element starts; the loop above follows it to its end.
        inElement = true;
        elementStart = at;
        start = i;
        i--;
      }
    }
    // Copied: the source may reuse its chunk buffers.
    if (inElement) carried.push(chunk.slice(start));
    offset += chunk.length;
  }
  if (phase !== 'after') {
    throw new SyntaxError(
      phase === 'before' ? 'expected a JSON array, got no data' : 'the JSON array is not closed',
    );
  }
}
