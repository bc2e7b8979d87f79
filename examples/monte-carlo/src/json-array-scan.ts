/**
 * Splits a JSON array held as bytes into its elements without decoding the whole array into
 * one string: a ResultWriter file of a large Map Run can exceed V8's largest string (about
 * 512 MiB), while each element (one child execution) is small.
 */

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Calls `onElement` with each top-level element of the JSON array in `bytes`, parsed, in
 * order. Throws a SyntaxError naming the byte offset when the bytes are not a JSON array.
 */
export function forEachJsonArrayElement(
  bytes: Uint8Array,
  onElement: (value: unknown, index: number) => void,
): number {
  const decoder = new TextDecoder();
  let at = 0;
  while (at < bytes.length && isSpace(bytes[at]!)) at++;
  // A UTF-8 byte order mark is allowed before the array.
  if (bytes[at] === 0xef && bytes[at + 1] === 0xbb && bytes[at + 2] === 0xbf) at += 3;
  if (bytes[at] !== OPEN_BRACKET) throw new SyntaxError(`expected a JSON array at byte ${at}`);
  at++;
  let depth = 0;
  let inString = false;
  let start = -1;
  let count = 0;
  const emit = (end: number): void => {
    const text = decoder.decode(bytes.subarray(start, end)).trim();
    if (text === '') throw new SyntaxError(`empty array element before byte ${end}`);
    onElement(JSON.parse(text), count++);
    start = -1;
  };
  for (; at < bytes.length; at++) {
    const b = bytes[at]!;
    if (inString) {
      if (b === BACKSLASH) at++;
      else if (b === QUOTE) inString = false;
      continue;
    }
    if (start < 0 && !isSpace(b) && !(depth === 0 && (b === COMMA || b === CLOSE_BRACKET))) start = at;
    if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
    else if (b === CLOSE_BRACE || (b === CLOSE_BRACKET && depth > 0)) depth--;
    else if (depth === 0 && b === COMMA) {
      if (start < 0) throw new SyntaxError(`unexpected ',' at byte ${at}`);
      emit(at);
    } else if (depth === 0 && b === CLOSE_BRACKET) {
      if (start >= 0) emit(at);
      for (at++; at < bytes.length; at++) {
        if (!isSpace(bytes[at]!)) throw new SyntaxError(`unexpected data after the array at byte ${at}`);
      }
      return count;
    }
  }
  throw new SyntaxError('the JSON array is not closed');
}
