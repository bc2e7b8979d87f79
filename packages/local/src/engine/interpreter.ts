/**
 * The state machine interpreter: walks a container (state machine, branch, processor) from
 * StartAt to a terminal state, runs each state with its data flow, and applies Retry and
 * Catch around the states that have them. Every wait goes through the backend clock.
 */
import { evaluateRule } from './choice-rules.ts';
import {
  catchOutput,
  dynamicField,
  effectiveInput,
  finishState,
  type StateData,
  type StateResult,
  taskArguments,
} from './dataflow.ts';
import type { StateDefinition, StatesContainer } from './definition.ts';
import { isDistributed } from './definition.ts';
import { ExecutionAborted, StatesError, toStatesError } from './errors.ts';
import { jsonText, NOT_TRUNCATED } from './history.ts';
import { evaluateJsonata } from './jsonata-eval.ts';
import { runInlineMap, runParallel } from './parallel.ts';
import type { DataScope } from './payload.ts';
import { firstMatch, retryDelayMs } from './retry.ts';
import { contextObject, type RunEnv } from './runtime.ts';
import { runTask } from './task.ts';

/** Runs a container to its end; resolves with the output of its terminal state. */
export async function runContainer(
  container: StatesContainer,
  input: unknown,
  env: RunEnv,
): Promise<unknown> {
  const scoped: RunEnv = { ...env, language: container.QueryLanguage ?? env.language };
  let name = container.StartAt;
  let value = input;
  for (;;) {
    if (scoped.signal.aborted) throw new ExecutionAborted();
    const state = container.States[name]!;
    const { output, next } = await runState(name, state, value, scoped);
    if (next === undefined) return output;
    name = next;
    value = output;
  }
}

interface Step {
  readonly output: unknown;
  readonly next?: string;
}

const WITH_ERRORS = new Set(['Task', 'Parallel', 'Map']);

async function runState(name: string, state: StateDefinition, input: unknown, env: RunEnv): Promise<Step> {
  const history = env.execution.history;
  const clock = env.services.clock;
  history.add(`${state.Type}StateEntered`, { name, input: jsonText(input), inputDetails: NOT_TRUNCATED });
  const enteredTime = new Date(clock.now()).toISOString();
  const jsonata = (state.QueryLanguage ?? env.language) === 'JSONata';
  const stateEnv: RunEnv =
    jsonata === (env.language === 'JSONata') ? env : { ...env, language: jsonata ? 'JSONata' : 'JSONPath' };
  const dataFor = (retryCount: number): StateData => ({
    state,
    rawInput: input,
    context: contextObject(stateEnv, name, enteredTime, retryCount),
    env: stateEnv,
    jsonata,
  });

  let result: StateResult;
  let next: string | undefined = state.Next;
  if (!WITH_ERRORS.has(state.Type)) {
    const simple = await runSimpleState(name, dataFor(0));
    result = simple.result;
    next = simple.next;
  } else {
    const attempts = new Array<number>(state.Retry?.length ?? 0).fill(0);
    let retryCount = 0;
    for (;;) {
      const data = dataFor(retryCount);
      try {
        result = await runWorkState(name, data);
        break;
      } catch (thrown) {
        if (env.signal.aborted || thrown instanceof ExecutionAborted) throw new ExecutionAborted();
        const error = toStatesError(thrown);
        const r = firstMatch(state.Retry, error.error);
        const delayMs = r >= 0 ? retryDelayMs(state.Retry![r]!, attempts[r]!) : null;
        if (delayMs !== null) {
          attempts[r]!++;
          retryCount++;
          await sleep(env, delayMs);
          continue;
        }
        const c = firstMatch(state.Catch, error.error);
        if (c < 0) throw error;
        const catcher = state.Catch![c]!;
        result = await catchOutput(data, catcher, error);
        next = catcher.Next;
        break;
      }
    }
  }
  if (result.assigned) env.variables.assign(result.assigned);
  history.add(`${state.Type}StateExited`, {
    name,
    output: jsonText(result.output),
    outputDetails: NOT_TRUNCATED,
    ...(result.assigned
      ? { assignedVariables: stringifyValues(result.assigned), assignedVariablesDetails: NOT_TRUNCATED }
      : {}),
  });
  return { output: result.output, next };
}

const stringifyValues = (values: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, JSON.stringify(v)]));

async function sleep(env: RunEnv, simulatedMs: number): Promise<void> {
  try {
    await env.services.clock.sleep(simulatedMs, env.signal);
  } catch {
    throw new ExecutionAborted();
  }
}

/** Task, Parallel and Map: the states with work, Retry and Catch. */
async function runWorkState(name: string, d: StateData): Promise<StateResult> {
  const input = effectiveInput(d);
  switch (d.state.Type) {
    case 'Task':
      return finishState(d, await runTask(name, d, input));
    case 'Parallel':
      return finishState(d, await runParallel(d, await taskArguments(d, input), runContainer));
    default:
      if (isDistributed(d.state)) {
        const result = await d.env.launchMapRun({
          stateName: name,
          state: d.state,
          input,
          env: d.env,
          context: d.context,
        });
        return finishState(d, result);
      }
      return finishState(d, await runInlineMap(name, d, input, runContainer));
  }
}

/** Pass, Wait, Choice, Succeed, Fail. */
async function runSimpleState(
  name: string,
  d: StateData,
): Promise<{ result: StateResult; next: string | undefined }> {
  const s = d.state;
  const input = effectiveInput(d);
  switch (s.Type) {
    case 'Pass': {
      if (d.jsonata) return { result: await finishState(d, d.rawInput, false), next: s.Next };
      const value = s.Result !== undefined ? s.Result : await taskArguments(d, input);
      return { result: await finishState(d, value), next: s.Next };
    }
    case 'Wait': {
      await waitFor(d, input);
      return { result: await finishState(d, input, false), next: s.Next };
    }
    case 'Choice':
      return runChoice(d, input);
    case 'Succeed':
      return { result: await finishState(d, input, false), next: undefined };
    default: {
      const error = await dynamicField(d, input, s.Error, s.ErrorPath, 'Error');
      const cause = await dynamicField(d, input, s.Cause, s.CausePath, 'Cause');
      if (error !== undefined && typeof error !== 'string')
        throw new StatesError('States.Runtime', `The Error of Fail state '${name}' is not a string`);
      if (cause !== undefined && typeof cause !== 'string')
        throw new StatesError('States.Runtime', `The Cause of Fail state '${name}' is not a string`);
      throw new StatesError((error as string | undefined) ?? '', (cause as string | undefined) ?? '');
    }
  }
}

async function waitFor(d: StateData, input: unknown): Promise<void> {
  const s = d.state;
  const clock = d.env.services.clock;
  let ms: number;
  if (s.Seconds !== undefined || s.SecondsPath !== undefined) {
    const seconds = await dynamicField(d, input, s.Seconds, s.SecondsPath, 'Seconds');
    if (typeof seconds !== 'number' || !(seconds >= 0))
      throw new StatesError(
        'States.Runtime',
        `Wait seconds must be a non-negative number, got ${JSON.stringify(seconds)}`,
      );
    ms = seconds * 1000;
  } else {
    const stamp = await dynamicField(d, input, s.Timestamp, s.TimestampPath, 'Timestamp');
    const at = typeof stamp === 'string' ? Date.parse(stamp) : Number.NaN;
    if (Number.isNaN(at))
      throw new StatesError(
        'States.Runtime',
        `Wait timestamp must be an ISO-8601 string, got ${JSON.stringify(stamp)}`,
      );
    // A timestamp is wall-clock: its distance from now is simulated time under timeScale.
    ms = Math.max(0, at - clock.now());
  }
  await sleep(d.env, ms);
}

async function runChoice(
  d: StateData,
  input: unknown,
): Promise<{ result: StateResult; next: string | undefined }> {
  const s = d.state;
  const scope: DataScope = { context: d.context, variables: d.env.variables };
  for (const rule of s.Choices ?? []) {
    let matched: boolean;
    if (d.jsonata) {
      const value = await evaluateJsonata(
        rule.Condition!,
        { input: d.rawInput, context: d.context },
        d.env.variables,
        'Condition',
      );
      if (typeof value !== 'boolean')
        throw new StatesError(
          'States.QueryEvaluationError',
          `The Condition of a Choice rule must evaluate to a boolean, got ${JSON.stringify(value)}`,
        );
      matched = value;
    } else matched = evaluateRule(rule, input, scope);
    if (!matched) continue;
    const ruleState: StateDefinition = {
      ...s,
      Output: rule.Output ?? s.Output,
      Assign: rule.Assign ?? s.Assign,
    };
    return { result: await finishState({ ...d, state: ruleState }, input, false), next: rule.Next };
  }
  if (s.Default === undefined)
    throw new StatesError('States.NoChoiceMatched', 'No Choice rule matched and no Default was specified');
  return { result: await finishState(d, input, false), next: s.Default };
}
