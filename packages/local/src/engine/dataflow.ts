/**
 * The input and output processing of a state, for both query languages:
 * JSONPath: InputPath → Parameters → (work) → ResultSelector → ResultPath → OutputPath, and
 * JSONata: Arguments → (work) → Output, with Assign evaluated before any variable changes.
 */
import type { CatcherDefinition, StateDefinition } from './definition.ts';
import type { StatesError } from './errors.ts';
import { evaluateJsonata, evaluateJsonataTemplate, isJsonataExpression } from './jsonata-eval.ts';
import { applyPath, applyResultPath, type DataScope, evaluateDynamic, evaluateTemplate } from './payload.ts';
import type { RunEnv } from './runtime.ts';

/** One state's data context: its raw input, the context object and the language in force. */
export interface StateData {
  readonly state: StateDefinition;
  readonly rawInput: unknown;
  readonly context: Record<string, unknown>;
  readonly env: RunEnv;
  readonly jsonata: boolean;
}

const scopeOf = (d: StateData): DataScope => ({ context: d.context, variables: d.env.variables });

/** The input after InputPath (JSONPath) or the raw input (JSONata: `$states.input`). */
export function effectiveInput(d: StateData): unknown {
  return d.jsonata ? d.rawInput : applyPath(d.state.InputPath, d.rawInput, scopeOf(d), 'InputPath');
}

/**
 * The value handed to the state's work: Parameters (JSONPath) / Arguments (JSONata) evaluated,
 * or the effective input when absent. `template` overrides which field is used.
 */
export async function taskArguments(
  d: StateData,
  input: unknown,
  template = d.jsonata ? d.state.Arguments : d.state.Parameters,
): Promise<unknown> {
  if (template === undefined) return input;
  if (d.jsonata)
    return evaluateJsonataTemplate(
      template,
      { input: d.rawInput, context: d.context },
      d.env.variables,
      'Arguments',
    );
  return evaluateTemplate(template, input, scopeOf(d));
}

/** Evaluates a field that may be a literal, a `{% %}` expression (JSONata) or read from `<field>Path` (JSONPath). */
export async function dynamicField(
  d: StateData,
  input: unknown,
  value: unknown,
  path: string | undefined,
  field: string,
): Promise<unknown> {
  if (path !== undefined) return evaluateDynamic(path, input, scopeOf(d), `${field}Path`);
  if (d.jsonata && isJsonataExpression(value)) {
    return evaluateJsonata(value, { input: d.rawInput, context: d.context }, d.env.variables, field);
  }
  return value;
}

/** Evaluates an Assign block; returns the values to assign (not yet assigned). */
async function evaluateAssign(
  d: StateData,
  assign: Record<string, unknown> | undefined,
  binding: { result?: unknown; errorOutput?: unknown },
  jsonPathBase: unknown,
): Promise<Record<string, unknown> | undefined> {
  if (!assign) return undefined;
  if (d.jsonata) {
    return (await evaluateJsonataTemplate(
      assign,
      { input: d.rawInput, context: d.context, ...binding },
      d.env.variables,
      'Assign',
    )) as Record<string, unknown>;
  }
  return evaluateTemplate(assign, jsonPathBase, scopeOf(d)) as Record<string, unknown>;
}

/** The state's output and the variables it assigns. */
export interface StateResult {
  readonly output: unknown;
  readonly assigned?: Record<string, unknown>;
}

/**
 * Turns the work's result into the state's output (ResultSelector, ResultPath, OutputPath /
 * Output) and evaluates Assign. For states without work (Pass, Wait, Choice) pass the
 * effective input as `result` and `hasResult` false.
 */
export async function finishState(d: StateData, result: unknown, hasResult = true): Promise<StateResult> {
  const s = d.state;
  if (d.jsonata) {
    const binding = hasResult ? { result } : {};
    const states = { input: d.rawInput, context: d.context, ...binding };
    const output =
      s.Output === undefined
        ? hasResult
          ? result
          : d.rawInput
        : await evaluateJsonataTemplate(s.Output, states, d.env.variables, 'Output');
    const assigned = await evaluateAssign(d, s.Assign, binding, undefined);
    return { output, assigned };
  }
  const scope = scopeOf(d);
  const selected =
    hasResult && s.ResultSelector !== undefined ? evaluateTemplate(s.ResultSelector, result, scope) : result;
  const assigned = await evaluateAssign(d, s.Assign, {}, selected);
  const combined =
    hasResult || s.Type === 'Pass' ? applyResultPath(s.ResultPath, d.rawInput, selected) : selected;
  const output = applyPath(s.OutputPath, combined, scope, 'OutputPath');
  return { output, assigned };
}

/** The output and assignments of a Catcher that caught `error`. */
export async function catchOutput(
  d: StateData,
  catcher: CatcherDefinition,
  error: StatesError,
): Promise<StateResult> {
  const errorOutput = error.toErrorOutput();
  if (d.jsonata) {
    const states = { input: d.rawInput, context: d.context, errorOutput };
    const output =
      catcher.Output === undefined
        ? errorOutput
        : await evaluateJsonataTemplate(catcher.Output, states, d.env.variables, 'Output');
    const assigned = await evaluateAssign(d, catcher.Assign, { errorOutput }, undefined);
    return { output, assigned };
  }
  const assigned = await evaluateAssign(d, catcher.Assign, {}, errorOutput);
  return { output: applyResultPath(catcher.ResultPath, d.rawInput, errorOutput), assigned };
}
