/**
 * Step Functions limits for SendTaskFailure (AWS-FACTS.md; API reference of SendTaskFailure:
 * `error` 0–256 characters, `cause` 0–32,768 characters).
 */
export const MAX_ERROR_CHARS = 256;
/** See {@link MAX_ERROR_CHARS}. */
export const MAX_CAUSE_CHARS = 32_768;
/** Task input and output limit in bytes of UTF-8 (States.DataLimitExceeded above it). */
export const MAX_PAYLOAD_BYTES = 262_144;

/**
 * Cuts `text` to at most `maxChars` UTF-16 code units without splitting a surrogate pair, so
 * the result is valid UTF-8 and within the limit however AWS counts characters (code units or
 * code points). When cut, a marker saying how much was dropped ends the text (within the limit).
 */
export function truncateText(text: string, maxChars: number, marker = true): string {
  if (text.length <= maxChars) return text;
  const fullNote = `…[truncated ${text.length - maxChars}+ chars]`;
  // The marker only when it leaves room for the text itself.
  const note = marker && fullNote.length <= maxChars / 2 ? fullNote : '';
  let end = Math.max(0, maxChars - note.length);
  // A high surrogate at the cut would leave half a character: cut before it.
  const code = text.charCodeAt(end - 1);
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end) + note;
}

/** Byte length of a string as UTF-8. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
