/**
 * JSONata evaluation for states with `QueryLanguage: "JSONata"`: `{% expr %}` strings inside
 * Arguments, Output, Assign, Items, ItemSelector, Condition..., with `$states` (input, result,
 * errorOutput, context), the workflow variables, and the functions Step Functions adds
 * (`$partition`, `$range`, `$hash`, `$random`, `$uuid`, `$parse`).
 */
import { createHash, randomUUID } from 'node:crypto';
import jsonata from 'jsonata';
import { StatesError } from './errors.ts';
import type { VariableScope } from './variables.ts';

/** What `$states` holds while a field is evaluated. */
export interface StatesBinding {
  readonly input: unknown;
  readonly context: unknown;
  readonly result?: unknown;
  readonly errorOutput?: unknown;
}

type Expression = ReturnType<typeof jsonata>;

const compiled = new Map<string, Expression>();

const OPEN = '{%';
const CLOSE = '%}';

/** True when a string is a JSONata expression field (`{% ... %}`). */
export const isJsonataExpression = (value: unknown): value is string =>
  typeof value === 'string' && value.startsWith(OPEN) && value.endsWith(CLOSE) && value.length >= 4;

/** Compiles an expression (cached); throws a plain Error naming the syntax problem. */
export function compileJsonata(field: string): Expression {
  const hit = compiled.get(field);
  if (hit) return hit;
  const body = field.slice(OPEN.length, -CLOSE.length).trim();
  let expr: Expression;
  try {
    expr = jsonata(body);
  } catch (error) {
    throw new Error(`invalid JSONata expression ${field}: ${(error as Error).message}`);
  }
  for (const [name, fn] of Object.entries(FUNCTIONS))
    expr.registerFunction(name, fn.impl as Parameters<Expression['registerFunction']>[1], fn.signature);
  if (compiled.size > 10_000) compiled.clear();
  compiled.set(field, expr);
  return expr;
}

const FUNCTIONS: Record<string, { impl: (...args: never[]) => unknown; signature: string }> = {
  partition: {
    impl: (array: unknown[], size: number) => {
      if (!(size > 0)) throw new Error('$partition needs a positive size');
      const out: unknown[][] = [];
      for (let i = 0; i < array.length; i += size) out.push(array.slice(i, i + size));
      return out;
    },
    signature: '<an:a>',
  },
  range: {
    impl: (start: number, end: number, step: number) => {
      const out: number[] = [];
      if (step === 0) throw new Error('$range needs a non-zero step');
      for (let x = start; step > 0 ? x <= end : x >= end; x += step) out.push(x);
      return out;
    },
    signature: '<nnn:a>',
  },
  hash: {
    impl: (data: string, algorithm: string) => {
      const names: Record<string, string> = {
        MD5: 'md5',
        'SHA-1': 'sha1',
        'SHA-256': 'sha256',
        'SHA-384': 'sha384',
        'SHA-512': 'sha512',
      };
      const a = names[algorithm];
      if (!a) throw new Error(`$hash does not support ${algorithm}`);
      return createHash(a).update(data).digest('hex');
    },
    signature: '<ss:s>',
  },
  random: { impl: () => Math.random(), signature: '<n?:n>' },
  uuid: { impl: () => randomUUID(), signature: '<:s>' },
  parse: { impl: (text: string) => JSON.parse(text), signature: '<s:x>' },
};

/** Evaluates one `{% %}` string. `field` names the field for error causes. */
export async function evaluateJsonata(
  text: string,
  states: StatesBinding,
  variables: VariableScope,
  field: string,
): Promise<unknown> {
  const expr = compileJsonata(text);
  let value: unknown;
  try {
    value = await expr.evaluate(null, { ...variables.all(), states });
  } catch (error) {
    throw new StatesError(
      'States.QueryEvaluationError',
      `An error occurred while evaluating the expression ${text} in field '${field}': ${(error as Error).message}`,
    );
  }
  if (value === undefined) {
    throw new StatesError(
      'States.QueryEvaluationError',
      `The JSONata expression ${text} specified for the field '${field}' returned nothing (undefined)`,
    );
  }
  return normalize(value);
}

/** JSONata sequences are arrays with extra flags; hand plain JSON to the rest of the engine. */
function normalize(value: unknown): unknown {
  if (typeof value === 'function') return undefined;
  return value === null || typeof value !== 'object' ? value : JSON.parse(JSON.stringify(value));
}

/** Evaluates every `{% %}` string inside a template (object, array or single string). */
export async function evaluateJsonataTemplate(
  template: unknown,
  states: StatesBinding,
  variables: VariableScope,
  field: string,
): Promise<unknown> {
  if (isJsonataExpression(template)) return evaluateJsonata(template, states, variables, field);
  if (Array.isArray(template)) {
    const out: unknown[] = [];
    for (const [i, t] of template.entries())
      out.push(await evaluateJsonataTemplate(t, states, variables, `${field}[${i}]`));
    return out;
  }
  if (typeof template !== 'object' || template === null) return template;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    out[key] = await evaluateJsonataTemplate(value, states, variables, `${field}.${key}`);
  }
  return out;
}
