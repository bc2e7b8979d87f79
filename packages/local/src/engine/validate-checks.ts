/**
 * The field checks validation shares: problem wording, JSONPath / intrinsic / JSONata syntax,
 * payload templates, Assign blocks and numeric fields that may be `{% %}` expressions.
 */
import type { QueryLanguage } from './definition.ts';
import { isIntrinsic, parseIntrinsic } from './intrinsics.ts';
import { parseJsonPath } from './json-path.ts';
import { isObject } from './json-value.ts';
import { compileJsonata, isJsonataExpression } from './jsonata-eval.ts';
import { isVariableReference } from './payload.ts';

/** The problems found so far, each naming a field path. */
export type Problems = string[];

/** An integer > 0. */
export const isPositiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
/** An integer >= 0. */
export const isNonNegativeInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;

/** Context passed down while walking nested containers. */
export interface Walk {
  readonly problems: Problems;
  /** Whether the enclosing container runs as an EXPRESS child (no activities, no callbacks). */
  readonly express: boolean;
}

/** A `SCHEMA_VALIDATION_FAILED` problem at a path, as Step Functions words it. */
export const schema = (what: string, at: string): string =>
  `SCHEMA_VALIDATION_FAILED: ${what} at ${at || '/'}`;
/** The problem for a field the engine does not run. */
export const unsupported = (field: string, at: string): string =>
  `SCHEMA_VALIDATION_FAILED: The field '${field}' is not supported by Step Functions at ${at}`;

/** Checks a `QueryLanguage` value; returns it when valid. */
export function checkLanguage(value: unknown, at: string, problems: Problems): QueryLanguage | undefined {
  if (value === undefined) return undefined;
  if (value !== 'JSONPath' && value !== 'JSONata') {
    problems.push(schema("QueryLanguage must be 'JSONPath' or 'JSONata'", at));
    return undefined;
  }
  return value;
}

/** Where problems go and which query language the checked fields use. */
export interface JsonCheck {
  readonly problems: Problems;
  readonly language: QueryLanguage;
}

/** InputPath / OutputPath: a path or null. */
export function checkNullablePath(value: unknown, at: string, j: JsonCheck): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string') j.problems.push(schema('A path must be a string or null', at));
  else checkPathSyntax(value, at, j);
}

/** A JSONPath (input `$`, context `$$` or variable `$name`) that parses. */
export function checkPathSyntax(value: string, at: string, j: JsonCheck): void {
  try {
    if (isVariableReference(value)) parseJsonPath(`$${value.replace(/^\$[A-Za-z_][A-Za-z0-9_]*/, '')}`);
    else parseJsonPath(value.startsWith('$$') ? value.slice(1) : value);
  } catch (error) {
    j.problems.push(
      schema(`The value for the field must be a valid JSONPath: ${(error as Error).message}`, at),
    );
  }
}

/** A reference path: definite, no wildcard or filter (ResultPath, ItemsPath, `*Path` settings). */
export function checkReferencePath(value: unknown, at: string, j: JsonCheck): void {
  if (typeof value !== 'string') {
    j.problems.push(schema('A reference path must be a string', at));
    return;
  }
  try {
    if (!parseJsonPath(value).definite)
      j.problems.push(schema('The value must be a reference path (no wildcards or filters)', at));
  } catch (error) {
    j.problems.push(
      schema(`The value for the field must be a valid JSONPath: ${(error as Error).message}`, at),
    );
  }
}

/** Checks `.$` keys (JSONPath) or `{% %}` strings (JSONata) throughout a payload template. */
export function checkPayload(value: unknown, at: string, j: JsonCheck): void {
  if (j.language === 'JSONata') {
    if (isJsonataExpression(value)) checkJsonata(value, at, j);
    else if (Array.isArray(value)) for (const [i, v] of value.entries()) checkPayload(v, `${at}/${i}`, j);
    else if (isObject(value)) for (const [k, v] of Object.entries(value)) checkPayload(v, `${at}/${k}`, j);
    return;
  }
  if (Array.isArray(value)) for (const [i, v] of value.entries()) checkPayload(v, `${at}/${i}`, j);
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k.endsWith('.$')) checkDynamic(v, `${at}/${k}`, j);
      else checkPayload(v, `${at}/${k}`, j);
    }
  }
}

/** The value of a `.$` field: a path or an intrinsic call that parses. */
export function checkDynamic(value: unknown, at: string, j: JsonCheck): void {
  if (typeof value !== 'string') {
    j.problems.push(
      schema("The value of a field ending in '.$' must be a JSONPath or an intrinsic function", at),
    );
  } else if (isIntrinsic(value)) {
    try {
      parseIntrinsic(value);
    } catch (error) {
      j.problems.push(
        schema(`The value for the field must be a valid intrinsic function: ${(error as Error).message}`, at),
      );
    }
  } else checkPathSyntax(value, at, j);
}

/** A `{% %}` expression that compiles. */
export function checkJsonata(value: string, at: string, j: JsonCheck): void {
  try {
    compileJsonata(value);
  } catch (error) {
    j.problems.push(schema((error as Error).message, at));
  }
}

const RESERVED_VARIABLE = /^states$/;

/** An Assign block: valid variable names, values checked as payloads. */
export function checkAssign(value: unknown, at: string, j: JsonCheck): void {
  if (!isObject(value)) {
    j.problems.push(schema('Assign must be a JSON object', at));
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    const name = k.endsWith('.$') && j.language === 'JSONPath' ? k.slice(0, -2) : k;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || RESERVED_VARIABLE.test(name)) {
      j.problems.push(schema(`'${name}' is not a valid variable name`, `${at}/${k}`));
    }
    if (j.language === 'JSONPath' && k.endsWith('.$')) checkDynamic(v, `${at}/${k}`, j);
    else checkPayload(v, `${at}/${k}`, j);
  }
}

/** A number field that JSONata states may also give as `{% %}`. */
export function checkNumberOrExpression(
  value: unknown,
  at: string,
  j: JsonCheck,
  check: (n: unknown) => boolean,
  what: string,
): void {
  if (value === undefined) return;
  if (j.language === 'JSONata' && isJsonataExpression(value)) checkJsonata(value, at, j);
  else if (!check(value)) j.problems.push(schema(what, at));
}
