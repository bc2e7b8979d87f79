/**
 * The JSONPath subset Step Functions accepts (its engine is Jayway JsonPath): `$`, `.name`,
 * `['name']`, `[n]` (negative counts from the end), `[*]` / `.*`, `[a:b]` slices, `..name`
 * deep scan and `[?(@.field <op> literal)]` filters. A path without wildcard, slice, deep scan
 * or filter is "definite" and selects one value; the others select a list.
 */
import { runtimeError } from './errors.ts';
import { isObject } from './json-value.ts';

type Step =
  | { kind: 'name'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'slice'; start: number | undefined; end: number | undefined }
  | { kind: 'deep'; name: string | null }
  | { kind: 'filter'; path: Step[]; op: string | null; literal: unknown };

/** A parsed JSONPath, ready to evaluate many times. */
export interface JsonPath {
  readonly source: string;
  readonly steps: readonly Step[];
  /** True when the path selects at most one value (no wildcard, slice, deep scan, filter). */
  readonly definite: boolean;
}

const cache = new Map<string, JsonPath>();

/** Parses a path beginning with `$` (throws a plain Error naming the problem). */
export function parseJsonPath(source: string): JsonPath {
  const hit = cache.get(source);
  if (hit) return hit;
  if (!source.startsWith('$')) throw new Error(`a JSONPath must start with '$': ${source}`);
  const steps = parseSteps(source, 1, source.length);
  const definite = steps.every((s) => s.kind === 'name' || s.kind === 'index');
  const path = { source, steps, definite };
  if (cache.size > 10_000) cache.clear();
  cache.set(source, path);
  return path;
}

const NAME = /^[^.[\]\s()'",=<>!?@]+/;

function parseSteps(src: string, from: number, to: number): Step[] {
  const steps: Step[] = [];
  let i = from;
  while (i < to) {
    const c = src[i];
    if (c === '.' && src[i + 1] === '.') {
      i += 2;
      if (src[i] === '*') {
        steps.push({ kind: 'deep', name: null });
        i++;
        continue;
      }
      const m = NAME.exec(src.slice(i, to));
      if (!m) throw new Error(`expected a name after '..' at ${i} in ${src}`);
      steps.push({ kind: 'deep', name: m[0] });
      i += m[0].length;
    } else if (c === '.') {
      i++;
      if (src[i] === '*') {
        steps.push({ kind: 'wildcard' });
        i++;
        continue;
      }
      const m = NAME.exec(src.slice(i, to));
      if (!m) throw new Error(`expected a name after '.' at ${i} in ${src}`);
      steps.push({ kind: 'name', name: m[0] });
      i += m[0].length;
    } else if (c === '[') {
      const close = findClose(src, i, to);
      steps.push(parseBracket(src.slice(i + 1, close).trim(), src));
      i = close + 1;
    } else {
      throw new Error(`unexpected '${c}' at ${i} in ${src}`);
    }
  }
  return steps;
}

function findClose(src: string, open: number, to: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < to; i++) {
    const c = src[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  throw new Error(`unclosed '[' in ${src}`);
}

function parseBracket(body: string, src: string): Step {
  if (body === '*') return { kind: 'wildcard' };
  const quoted = /^(['"])(.*)\1$/s.exec(body);
  if (quoted) return { kind: 'name', name: quoted[2]!.replace(/\\(.)/g, '$1') };
  if (/^-?\d+$/.test(body)) return { kind: 'index', index: Number(body) };
  const slice = /^(-?\d*):(-?\d*)$/.exec(body);
  if (slice) {
    return {
      kind: 'slice',
      start: slice[1] ? Number(slice[1]) : undefined,
      end: slice[2] ? Number(slice[2]) : undefined,
    };
  }
  const filter = /^\?\(\s*@((?:\.[^\s=<>!]+|\[[^\]]+\])*)\s*(?:(==|!=|<=|>=|<|>)\s*(.+?))?\s*\)$/s.exec(body);
  if (filter) {
    const path = parseSteps(`@${filter[1]}`, 1, 1 + filter[1]!.length);
    let literal: unknown;
    if (filter[2]) {
      const raw = filter[3]!.trim();
      try {
        literal = JSON.parse(raw.startsWith("'") ? `"${raw.slice(1, -1).replace(/"/g, '\\"')}"` : raw);
      } catch {
        throw new Error(`unsupported filter literal ${raw} in ${src}`);
      }
    }
    return { kind: 'filter', path, op: filter[2] ?? null, literal };
  }
  throw new Error(`unsupported bracket expression [${body}] in ${src}`);
}

function apply(step: Step, value: unknown, out: unknown[]): void {
  switch (step.kind) {
    case 'name':
      if (isObject(value) && Object.hasOwn(value, step.name)) out.push(value[step.name]);
      return;
    case 'index':
      if (Array.isArray(value)) {
        const i = step.index < 0 ? value.length + step.index : step.index;
        if (i >= 0 && i < value.length) out.push(value[i]);
      }
      return;
    case 'wildcard':
      if (Array.isArray(value)) out.push(...value);
      else if (isObject(value)) out.push(...Object.values(value));
      return;
    case 'slice': {
      if (!Array.isArray(value)) return;
      const n = value.length;
      const norm = (x: number): number => (x < 0 ? Math.max(0, n + x) : Math.min(n, x));
      out.push(...value.slice(norm(step.start ?? 0), norm(step.end ?? n)));
      return;
    }
    case 'deep':
      deepScan(value, step.name, out);
      return;
    case 'filter': {
      const candidates = Array.isArray(value) ? value : isObject(value) ? Object.values(value) : [];
      for (const c of candidates) if (matchesFilter(step, c)) out.push(c);
      return;
    }
  }
}

function deepScan(value: unknown, name: string | null, out: unknown[]): void {
  if (Array.isArray(value)) {
    for (const v of value) {
      if (name === null) out.push(v);
      deepScan(v, name, out);
    }
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (name === null || k === name) out.push(v);
      deepScan(v, name, out);
    }
  }
}

function matchesFilter(step: Extract<Step, { kind: 'filter' }>, candidate: unknown): boolean {
  let current: unknown[] = [candidate];
  for (const s of step.path) {
    const next: unknown[] = [];
    for (const v of current) apply(s, v, next);
    current = next;
  }
  if (current.length === 0) return false;
  const left = current[0];
  if (step.op === null) return true;
  const right = step.literal;
  switch (step.op) {
    case '==':
      return left === right;
    case '!=':
      return left !== right;
    default: {
      if (typeof left !== typeof right || (typeof left !== 'number' && typeof left !== 'string'))
        return false;
      const l = left as number | string;
      const r = right as number | string;
      return step.op === '<' ? l < r : step.op === '<=' ? l <= r : step.op === '>' ? l > r : l >= r;
    }
  }
}

/** Every value the path selects (for a definite path: zero or one). */
export function selectAll(path: JsonPath, root: unknown): unknown[] {
  let current: unknown[] = [root];
  for (const step of path.steps) {
    const next: unknown[] = [];
    for (const v of current) apply(step, v, next);
    current = next;
  }
  return current;
}

/**
 * Evaluates a path as Step Functions does for `.$` fields and InputPath: a definite path gives
 * its value (a `States.Runtime` error when it selects nothing), an indefinite one a list.
 * `what` names the field for the error's cause.
 */
export function readPath(source: string, root: unknown, what: string): unknown {
  const path = parseJsonPath(source);
  const found = selectAll(path, root);
  if (!path.definite) return found;
  if (found.length === 0) {
    throw runtimeError(
      `The JSONPath '${source}' specified for the field '${what}' could not be found in the input '${preview(root)}'`,
    );
  }
  return found[0];
}

/**
 * Writes `value` at a definite path inside a copy of `root` (ResultPath semantics), creating
 * objects on the way. Fails with `States.Runtime` when a step crosses a non-object.
 */
export function writePath(source: string, root: unknown, value: unknown): unknown {
  const path = parseJsonPath(source);
  if (!path.definite) throw runtimeError(`ResultPath '${source}' must be a reference path`);
  if (path.steps.length === 0) return value;
  const copy: unknown = isObject(root) ? { ...root } : Array.isArray(root) ? [...root] : undefined;
  if (copy === undefined) {
    throw runtimeError(
      `Unable to apply ResultPath '${source}' to input '${preview(root)}': the input is not a JSON object`,
    );
  }
  let cursor = copy as Record<string, unknown> | unknown[];
  path.steps.forEach((step, i) => {
    const last = i === path.steps.length - 1;
    const key = step.kind === 'name' ? step.name : (step as { index: number }).index;
    if ((typeof key === 'number') !== Array.isArray(cursor)) {
      throw runtimeError(
        `Unable to apply ResultPath '${source}': step ${i + 1} does not match the input's shape`,
      );
    }
    const container = cursor as Record<string | number, unknown>;
    if (last) {
      container[key] = value;
      return;
    }
    const child = container[key];
    const next = isObject(child)
      ? { ...child }
      : Array.isArray(child)
        ? [...child]
        : child === undefined
          ? {}
          : null;
    if (next === null) {
      throw runtimeError(
        `Unable to apply ResultPath '${source}': '${String(key)}' is not an object in the input`,
      );
    }
    container[key] = next;
    cursor = next as Record<string, unknown>;
  });
  return copy;
}

/** A short rendering of a value for error causes. */
function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
