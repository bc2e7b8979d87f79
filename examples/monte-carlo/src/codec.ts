/**
 * Compact, exact encoding of integer vectors for batch outputs: unsigned LEB128 varints in
 * base64. A per-draw loss of a batch is a small integer of cents most of the time (often 0),
 * so it takes 1 to 5 bytes instead of 8, and the value survives JSON bit for bit.
 */

const TWO_POW_7 = 128;

/** Encodes non-negative safe integers as base64 LEB128. Throws a RangeError on anything else. */
export function encodeUintVector(values: ArrayLike<number>): string {
  const bytes = new Uint8Array(values.length * 8);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    let v = values[i]!;
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new RangeError(`encodeUintVector: value ${i} is ${v}, not a non-negative safe integer`);
    }
    // Arithmetic, not bit operators: values may exceed 32 bits.
    while (v >= TWO_POW_7) {
      bytes[at++] = (v % TWO_POW_7) | 0x80;
      v = Math.floor(v / TWO_POW_7);
    }
    bytes[at++] = v;
  }
  return Buffer.from(bytes.buffer, 0, at).toString('base64');
}

/** Decodes {@link encodeUintVector}'s output into `length` numbers; throws on a malformed input. */
export function decodeUintVector(text: string, length: number): Float64Array {
  if (typeof text !== 'string') throw new TypeError('decodeUintVector: expected a base64 string');
  const bytes = Buffer.from(text, 'base64');
  const out = new Float64Array(length);
  let at = 0;
  for (let i = 0; i < length; i++) {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (at >= bytes.length) throw new RangeError(`decodeUintVector: ended after ${i} of ${length} values`);
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= TWO_POW_7;
      if (scale > 2 ** 56) throw new RangeError(`decodeUintVector: value ${i} exceeds 2^53`);
    }
    if (!Number.isSafeInteger(value)) throw new RangeError(`decodeUintVector: value ${i} exceeds 2^53`);
    out[i] = value;
  }
  if (at !== bytes.length)
    throw new RangeError(`decodeUintVector: ${bytes.length - at} bytes left after ${length} values`);
  return out;
}
