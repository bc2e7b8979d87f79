/**
 * The ASL intrinsic functions (`States.Format(...)` and friends) used in `.$` fields of
 * JSONPath states. Parsed once into a small tree, evaluated against the state's input, the
 * context object and the variables. A failing call raises `States.IntrinsicFailure` as AWS does.
 */
import { createHash, randomUUID } from 'node:crypto';
import { StatesError } from './errors.ts';

/** One parsed argument or call. */
export type IntrinsicNode =
  | { kind: 'literal'; value: unknown }
  | { kind: 'path'; source: string }
  | { kind: 'call'; name: string; args: IntrinsicNode[] };

const ARITY: Record<string, [number, number]> = {
  'States.Format': [1, Number.POSITIVE_INFINITY],
  'States.StringToJson': [1, 1],
  'States.JsonToString': [1, 1],
  'States.Array': [0, Number.POSITIVE_INFINITY],
  'States.ArrayPartition': [2, 2],
  'States.ArrayContains': [2, 2],
  'States.ArrayRange': [3, 3],
  'States.ArrayGetItem': [2, 2],
  'States.ArrayLength': [1, 1],
  'States.ArrayUnique': [1, 1],
  'States.Base64Encode': [1, 1],
  'States.Base64Decode': [1, 1],
  'States.Hash': [2, 2],
  'States.JsonMerge': [3, 3],
  'States.MathRandom': [2, 3],
  'States.MathAdd': [2, 2],
  'States.StringSplit': [2, 2],
  'States.UUID': [0, 0],
};

/** True when a `.$` value is an intrinsic call rather than a path. */
export const isIntrinsic = (text: string): boolean => text.startsWith('States.');

const parsed = new Map<string, IntrinsicNode>();

/** Parses an intrinsic call; throws an Error naming the problem (for InvalidDefinition). */
export function parseIntrinsic(text: string): IntrinsicNode {
  const hit = parsed.get(text);
  if (hit) return hit;
  const p = { text, i: 0 };
  const node = parseCall(p);
  skipSpace(p);
  if (p.i !== text.length) throw new Error(`unexpected text after the call: '${text.slice(p.i)}'`);
  parsed.set(text, node);
  return node;
}

interface Cursor {
  text: string;
  i: number;
}

const skipSpace = (p: Cursor): void => {
  while (p.text[p.i] === ' ') p.i++;
};

function parseCall(p: Cursor): IntrinsicNode {
  const m = /^States\.[A-Za-z0-9]+/.exec(p.text.slice(p.i));
  if (!m) throw new Error(`expected an intrinsic function at ${p.i}`);
  const name = m[0];
  const arity = ARITY[name];
  if (!arity) throw new Error(`unsupported intrinsic function ${name}`);
  p.i += name.length;
  if (p.text[p.i] !== '(') throw new Error(`expected '(' after ${name}`);
  p.i++;
  const args: IntrinsicNode[] = [];
  skipSpace(p);
  if (p.text[p.i] === ')') p.i++;
  else {
    for (;;) {
      skipSpace(p);
      args.push(parseArg(p));
      skipSpace(p);
      const c = p.text[p.i++];
      if (c === ')') break;
      if (c !== ',') throw new Error(`expected ',' or ')' in ${name}(...)`);
    }
  }
  if (args.length < arity[0] || args.length > arity[1]) {
    throw new Error(
      `${name} takes ${arity[0]}${arity[1] === arity[0] ? '' : '+'} arguments, got ${args.length}`,
    );
  }
  return { kind: 'call', name, args };
}

function parseArg(p: Cursor): IntrinsicNode {
  const rest = p.text.slice(p.i);
  if (rest.startsWith('States.')) return parseCall(p);
  if (rest.startsWith("'")) {
    let out = '';
    let i = p.i + 1;
    for (; i < p.text.length && p.text[i] !== "'"; i++) {
      // \' and \\ are unescaped here; \{ and \} stay for States.Format to tell from placeholders.
      if (p.text[i] === '\\' && (p.text[i + 1] === "'" || p.text[i + 1] === '\\')) i++;
      out += p.text[i];
    }
    if (i >= p.text.length) throw new Error('unterminated string literal');
    p.i = i + 1;
    return { kind: 'literal', value: out };
  }
  if (rest.startsWith('$')) {
    let depth = 0;
    let i = p.i;
    let quote: string | null = null;
    for (; i < p.text.length; i++) {
      const c = p.text[i];
      if (quote) {
        if (c === quote) quote = null;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '[' || c === '(') depth++;
      else if (c === ']' || (c === ')' && depth > 0)) depth--;
      else if (depth === 0 && (c === ',' || c === ')' || c === ' ')) break;
    }
    const source = p.text.slice(p.i, i);
    p.i = i;
    return { kind: 'path', source };
  }
  const lit = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(rest);
  if (lit) {
    p.i += lit[0].length;
    return { kind: 'literal', value: JSON.parse(lit[0]) };
  }
  throw new Error(`unexpected argument at '${rest.slice(0, 20)}'`);
}

/** Resolves the `$...` arguments of a call (input path, `$$` context, `$var` variable). */
export type PathResolver = (source: string) => unknown;

const fail = (name: string, why: string): StatesError =>
  new StatesError('States.IntrinsicFailure', `Invalid arguments in ${name}: ${why}`);

/** Evaluates a parsed intrinsic call. */
export function evaluateIntrinsic(node: IntrinsicNode, resolve: PathResolver): unknown {
  if (node.kind === 'literal')
    return typeof node.value === 'string' ? node.value.replace(/\\([{}])/g, '$1') : node.value;
  if (node.kind === 'path') return resolve(node.source);
  const args = node.args.map((a, i) =>
    node.name === 'States.Format' && i === 0 && a.kind === 'literal'
      ? a.value
      : evaluateIntrinsic(a, resolve),
  );
  return call(node.name, args);
}

const asArray = (name: string, v: unknown): unknown[] => {
  if (!Array.isArray(v)) throw fail(name, 'expected an array');
  return v;
};
const asInt = (name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw fail(name, `expected an integer, got ${JSON.stringify(v)}`);
  return v;
};
const asString = (name: string, v: unknown): string => {
  if (typeof v !== 'string') throw fail(name, `expected a string, got ${JSON.stringify(v)}`);
  return v;
};

const HASHES: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

function call(name: string, a: unknown[]): unknown {
  switch (name) {
    case 'States.Format': {
      const template = asString(name, a[0]);
      const values = a.slice(1);
      let used = 0;
      const out = template.replace(/\\([{}])|\{\}/g, (_match, escaped: string | undefined) => {
        if (escaped) return escaped;
        if (used >= values.length) throw fail(name, 'more {} placeholders than arguments');
        const v = values[used++];
        return typeof v === 'string' ? v : JSON.stringify(v);
      });
      if (used !== values.length) throw fail(name, 'more arguments than {} placeholders');
      return out;
    }
    case 'States.StringToJson':
      try {
        return JSON.parse(asString(name, a[0]));
      } catch (e) {
        if (e instanceof StatesError) throw e;
        throw fail(name, 'the string is not valid JSON');
      }
    case 'States.JsonToString':
      return JSON.stringify(a[0]);
    case 'States.Array':
      return a;
    case 'States.ArrayPartition': {
      const arr = asArray(name, a[0]);
      const size = asInt(name, a[1]);
      if (size <= 0) throw fail(name, 'the chunk size must be positive');
      const out: unknown[][] = [];
      for (let i = 0; i < arr.length; i += size) out.push(arr.slice(i, i + size));
      return out;
    }
    case 'States.ArrayContains':
      return asArray(name, a[0]).some((x) => JSON.stringify(x) === JSON.stringify(a[1]));
    case 'States.ArrayRange': {
      const [start, end, step] = [asInt(name, a[0]), asInt(name, a[1]), asInt(name, a[2])];
      if (step === 0) throw fail(name, 'the step must not be 0');
      const out: number[] = [];
      for (let x = start; step > 0 ? x <= end : x >= end; x += step) {
        out.push(x);
        if (out.length > 1000) throw fail(name, 'the range has more than 1000 elements');
      }
      return out;
    }
    case 'States.ArrayGetItem': {
      const arr = asArray(name, a[0]);
      const i = asInt(name, a[1]);
      if (i < 0 || i >= arr.length) throw fail(name, `index ${i} is out of bounds`);
      return arr[i];
    }
    case 'States.ArrayLength':
      return asArray(name, a[0]).length;
    case 'States.ArrayUnique': {
      const seen = new Set<string>();
      return asArray(name, a[0]).filter((x) => {
        const k = JSON.stringify(x);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    }
    case 'States.Base64Encode':
      return Buffer.from(asString(name, a[0]), 'utf8').toString('base64');
    case 'States.Base64Decode':
      return Buffer.from(asString(name, a[0]), 'base64').toString('utf8');
    case 'States.Hash': {
      const algorithm = HASHES[asString(name, a[1])];
      if (!algorithm) throw fail(name, `unsupported algorithm ${String(a[1])}`);
      const data = typeof a[0] === 'string' ? a[0] : JSON.stringify(a[0]);
      return createHash(algorithm).update(data).digest('hex');
    }
    case 'States.JsonMerge': {
      const [x, y, deep] = a;
      if (typeof x !== 'object' || x === null || typeof y !== 'object' || y === null) {
        throw fail(name, 'expected two JSON objects');
      }
      if (deep !== false) throw fail(name, 'only a shallow merge (false) is supported');
      return { ...(x as object), ...(y as object) };
    }
    case 'States.MathRandom': {
      const start = asInt(name, a[0]);
      const end = asInt(name, a[1]);
      const random = a.length === 3 ? seeded(asInt(name, a[2])) : Math.random();
      return start + Math.floor(random * (end - start));
    }
    case 'States.MathAdd': {
      const x = a[0];
      const y = a[1];
      if (typeof x !== 'number' || typeof y !== 'number') throw fail(name, 'expected two numbers');
      return x + y;
    }
    case 'States.StringSplit': {
      const text = asString(name, a[0]);
      const delimiters = [...asString(name, a[1])];
      const parts: string[] = [];
      let current = '';
      for (const ch of text) {
        if (delimiters.includes(ch)) {
          if (current) parts.push(current);
          current = '';
        } else current += ch;
      }
      if (current) parts.push(current);
      return parts;
    }
    case 'States.UUID':
      return randomUUID();
    default:
      throw fail(name, 'unsupported function');
  }
}

/** A deterministic [0, 1) value from a seed (mulberry32), for `States.MathRandom(a, b, seed)`. */
function seeded(seed: number): number {
  let t = (seed + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
