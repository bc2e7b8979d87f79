/**
 * JSONPath data flow: resolving `$.x` / `$$.x` / `$var.x` references, the `.$` payload
 * templates (Parameters, ItemSelector, ResultSelector, Assign), InputPath, ResultPath and
 * OutputPath, as the Step Functions documentation on input and output processing describes.
 */
import { runtimeError } from './errors.ts';
import { evaluateIntrinsic, isIntrinsic, parseIntrinsic } from './intrinsics.ts';
import { readPath, writePath } from './json-path.ts';
import type { VariableScope } from './variables.ts';

/** What a reference can read besides the state's input. */
export interface DataScope {
  /** The context object (`$$`). */
  readonly context: unknown;
  readonly variables: VariableScope;
}

const VARIABLE = /^\$([A-Za-z_][A-Za-z0-9_]*)/;

/** True when the reference reads a variable (`$name...`) rather than the input or context. */
export const isVariableReference = (source: string): boolean =>
  VARIABLE.test(source) && !source.startsWith('$$');

/** Resolves one reference: `$$...` context, `$name...` variable, `$...` the input. */
export function resolveReference(source: string, input: unknown, scope: DataScope, field: string): unknown {
  if (source.startsWith('$$')) return readPath(`$${source.slice(2)}`, scope.context, field);
  const variable = VARIABLE.exec(source);
  if (variable) {
    const name = variable[1]!;
    if (!scope.variables.has(name))
      throw runtimeError(`The variable '$${name}' in field '${field}' is not defined`);
    return readPath(`$${source.slice(name.length + 1)}`, scope.variables.get(name), field);
  }
  return readPath(source, input, field);
}

/** Evaluates the value of a `.$` field: a reference or an intrinsic call. */
export function evaluateDynamic(text: string, input: unknown, scope: DataScope, field: string): unknown {
  if (isIntrinsic(text)) {
    return evaluateIntrinsic(parseIntrinsic(text), (source) => resolveReference(source, input, scope, field));
  }
  return resolveReference(text, input, scope, field);
}

/**
 * Builds a payload template's value: keys ending in `.$` are evaluated and lose the suffix;
 * other values are copied, nested objects and arrays processed the same way.
 */
export function evaluateTemplate(template: unknown, input: unknown, scope: DataScope): unknown {
  if (Array.isArray(template)) return template.map((t) => evaluateTemplate(t, input, scope));
  if (typeof template !== 'object' || template === null) return template;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$') && typeof value === 'string') {
      out[key.slice(0, -2)] = evaluateDynamic(value, input, scope, key);
    } else {
      out[key] = evaluateTemplate(value, input, scope);
    }
  }
  return out;
}

/** InputPath / OutputPath: absent keeps the value, `null` gives `{}`, a path selects. */
export function applyPath(
  path: string | null | undefined,
  value: unknown,
  scope: DataScope,
  field: string,
): unknown {
  if (path === undefined) return value;
  if (path === null) return {};
  return resolveReference(path, value, scope, field);
}

/** ResultPath: absent replaces the input with the result, `null` discards the result. */
export function applyResultPath(path: string | null | undefined, input: unknown, result: unknown): unknown {
  if (path === undefined) return result;
  if (path === null) return input;
  return writePath(path, input, result);
}
