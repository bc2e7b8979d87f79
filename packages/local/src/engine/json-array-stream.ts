/**
 * Streams the elements of a top-level JSON array out of a byte stream, one parsed element at a
 * time, so a JSON ItemReader object of any size is read in constant memory (per element).
 */
import { StringDecoder } from 'node:string_decoder';

/** Yields each element of the JSON array the stream holds; throws on anything else. */
export async function* jsonArrayElements(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<unknown> {
  const decoder = new StringDecoder('utf8');
  let started = false;
  let ended = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = '';
  for await (const raw of chunks) {
    const text = typeof raw === 'string' ? raw : decoder.write(raw);
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (ended) {
        if (!isSpace(c)) throw new Error('unexpected content after the top-level JSON array');
        continue;
      }
      if (!started) {
        if (isSpace(c)) continue;
        if (c !== 0x5b /* [ */)
          throw new Error('the object does not hold a JSON array (its first character is not [)');
        started = true;
        from = i + 1;
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c /* \ */) escaped = true;
        else if (c === 0x22 /* " */) inString = false;
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if ((c === 0x7d || c === 0x5d) && depth > 0) depth--;
      else if (depth === 0 && (c === 0x2c /* , */ || c === 0x5d) /* ] */) {
        element += text.slice(from, i);
        from = i + 1;
        const trimmed = element.trim();
        element = '';
        if (trimmed.length > 0) yield JSON.parse(trimmed);
        else if (c === 0x2c) throw new Error('empty element in the JSON array');
        if (c === 0x5d) ended = true;
      }
    }
    if (started && !ended) element += text.slice(from);
  }
  if (!ended) throw new Error('the JSON array is not closed');
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
