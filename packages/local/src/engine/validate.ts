/**
 * Validation of a definition at CreateStateMachine / UpdateStateMachine. Everything the
 * engine does not run is refused here with a problem naming the field's path
 * (`/States/Work/Retry/0/ErrorEquals`), so an execution never meets a field it would ignore.
 */
import type { QueryLanguage, StateDefinition } from './definition.ts';
import { isObject } from './json-value.ts';
import {
  checkAssign,
  checkLanguage,
  checkNullablePath,
  checkPayload,
  checkReferencePath,
  isPositiveInt,
  type JsonCheck,
  type Problems,
  schema,
  unsupported,
  type Walk,
} from './validate-checks.ts';
import { FIELDS, JSONATA_ONLY, JSONPATH_ONLY } from './validate-fields.ts';
import { checkMap } from './validate-map.ts';
import { checkCatch, checkChoice, checkFail, checkRetry, checkTask, checkWait } from './validate-states.ts';

/**
 * Validates a parsed definition. Returns the list of problems (empty when valid), each of the
 * form `SCHEMA_VALIDATION_FAILED: ... at /States/Name/Field` as Step Functions words them.
 */
export function validateDefinition(definition: unknown, type: 'STANDARD' | 'EXPRESS' = 'STANDARD'): string[] {
  const problems: Problems = [];
  if (!isObject(definition)) return ['SCHEMA_VALIDATION_FAILED: The definition must be a JSON object at /'];
  const allowed = ['StartAt', 'States', 'Comment', 'Version', 'TimeoutSeconds', 'QueryLanguage'];
  for (const key of Object.keys(definition)) {
    if (!allowed.includes(key)) problems.push(unsupported(key, `/${key}`));
  }
  if (definition.TimeoutSeconds !== undefined && !isPositiveInt(definition.TimeoutSeconds)) {
    problems.push(schema('TimeoutSeconds must be a positive integer', '/TimeoutSeconds'));
  }
  if (definition.Version !== undefined && definition.Version !== '1.0') {
    problems.push(schema("Version must be '1.0'", '/Version'));
  }
  const language = checkLanguage(definition.QueryLanguage, '/QueryLanguage', problems) ?? 'JSONPath';
  validateContainer(definition, '', language, { problems, express: type === 'EXPRESS' });
  return problems;
}

function validateContainer(
  container: Record<string, unknown>,
  at: string,
  language: QueryLanguage,
  walk: Walk,
): void {
  const { problems } = walk;
  const states = container.States;
  if (!isObject(states) || Object.keys(states).length === 0) {
    problems.push(schema('States must be a non-empty object', `${at}/States`));
    return;
  }
  if (typeof container.StartAt !== 'string' || !Object.hasOwn(states, container.StartAt)) {
    problems.push(
      `MISSING_TRANSITION_TARGET: Missing 'Next' target: ${String(container.StartAt)} at ${at}/StartAt`,
    );
  }
  for (const [name, state] of Object.entries(states)) {
    const stateAt = `${at}/States/${name}`;
    if (name.length === 0 || name.length > 80)
      problems.push(schema('State names must be 1 to 80 characters', stateAt));
    if (!isObject(state)) {
      problems.push(schema('A state must be a JSON object', stateAt));
      continue;
    }
    validateState(name, state, stateAt, language, walk, states);
  }
  if (typeof container.StartAt === 'string' && Object.hasOwn(states, container.StartAt)) {
    checkReachability(container.StartAt, states as Record<string, StateDefinition>, at, problems);
  }
}

function checkReachability(
  start: string,
  states: Record<string, StateDefinition>,
  at: string,
  problems: Problems,
): void {
  const seen = new Set<string>();
  const queue = [start];
  let terminal = false;
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name) || !isObject(states[name])) continue;
    seen.add(name);
    const s = states[name]!;
    const targets = [
      s.Next,
      s.Default,
      // Shapes are not checked yet here: read the Next fields of whatever arrays are there.
      ...(Array.isArray(s.Choices) ? s.Choices : []).map((c) => c?.Next),
      ...(Array.isArray(s.Catch) ? s.Catch : []).map((c) => c?.Next),
    ];
    if (s.End === true || s.Type === 'Succeed' || s.Type === 'Fail') terminal = true;
    for (const t of targets) if (typeof t === 'string' && Object.hasOwn(states, t)) queue.push(t);
  }
  for (const name of Object.keys(states)) {
    if (!seen.has(name))
      problems.push(`UNREACHABLE_STATE: State '${name}' is not reachable at ${at}/States/${name}`);
  }
  if (!terminal) problems.push(`NO_TERMINAL_STATE: No terminal state at ${at || '/'}`);
}

function validateState(
  name: string,
  state: Record<string, unknown>,
  at: string,
  inherited: QueryLanguage,
  walk: Walk,
  siblings: Record<string, unknown>,
): void {
  const { problems } = walk;
  const type = state.Type;
  if (typeof type !== 'string' || !FIELDS[type]) {
    problems.push(
      schema(`The value of 'Type' must be one of ${Object.keys(FIELDS).join(', ')}`, `${at}/Type`),
    );
    return;
  }
  const language = checkLanguage(state.QueryLanguage, `${at}/QueryLanguage`, problems) ?? inherited;
  if (inherited === 'JSONata' && language === 'JSONPath') {
    problems.push(
      schema('A state cannot use JSONPath inside a JSONata state machine', `${at}/QueryLanguage`),
    );
  }
  for (const key of Object.keys(state)) {
    if (!FIELDS[type]!.includes(key)) problems.push(unsupported(key, `${at}/${key}`));
    else if (language === 'JSONata' && JSONPATH_ONLY.has(key)) {
      problems.push(schema(`The field '${key}' is not supported for JSONata states`, `${at}/${key}`));
    } else if (language === 'JSONPath' && JSONATA_ONLY.has(key)) {
      problems.push(schema(`The field '${key}' is only supported for JSONata states`, `${at}/${key}`));
    }
  }
  const target = (field: string, value: unknown): void => {
    if (typeof value !== 'string' || !Object.hasOwn(siblings, value)) {
      problems.push(`MISSING_TRANSITION_TARGET: Missing 'Next' target: ${String(value)} at ${at}/${field}`);
    }
  };
  if (['Pass', 'Task', 'Wait', 'Parallel', 'Map'].includes(type)) {
    if (state.End !== undefined && state.End !== true)
      problems.push(schema("'End' must be true when present", `${at}/End`));
    if ((state.Next === undefined) === (state.End === undefined)) {
      problems.push(schema("Exactly one of 'Next' and 'End' must be set", at));
    } else if (state.Next !== undefined) target('Next', state.Next);
  }
  const j: JsonCheck = { problems, language };
  for (const field of ['InputPath', 'OutputPath']) checkNullablePath(state[field], `${at}/${field}`, j);
  if (state.ResultPath !== undefined && state.ResultPath !== null)
    checkReferencePath(state.ResultPath, `${at}/ResultPath`, j);
  for (const field of ['Parameters', 'ResultSelector', 'ItemSelector']) {
    if (state[field] !== undefined) checkPayload(state[field], `${at}/${field}`, j);
  }
  for (const field of ['Arguments', 'Output'])
    if (state[field] !== undefined) checkPayload(state[field], `${at}/${field}`, j);
  if (state.Assign !== undefined) checkAssign(state.Assign, `${at}/Assign`, j);
  if (state.ResultSelector !== undefined && !isObject(state.ResultSelector)) {
    problems.push(schema('ResultSelector must be a JSON object', `${at}/ResultSelector`));
  }
  if (state.Retry !== undefined) checkRetry(state.Retry, `${at}/Retry`, problems);
  if (state.Catch !== undefined) checkCatch(state.Catch, `${at}/Catch`, j, target);
  switch (type) {
    case 'Task':
      checkTask(state, at, j, walk);
      break;
    case 'Choice':
      checkChoice(state, at, j, target);
      break;
    case 'Wait':
      checkWait(state, at, j);
      break;
    case 'Fail':
      checkFail(state, at, j);
      break;
    case 'Parallel':
      if (!Array.isArray(state.Branches) || state.Branches.length === 0) {
        problems.push(schema('Branches must be a non-empty array', `${at}/Branches`));
      } else {
        state.Branches.forEach((b, i) => {
          if (!isObject(b)) problems.push(schema('A branch must be a JSON object', `${at}/Branches/${i}`));
          else checkContainerFields(b, `${at}/Branches/${i}`, language, walk);
        });
      }
      break;
    case 'Map':
      checkMap(state, at, language, walk, j, checkContainerFields);
      break;
  }
  void name;
}

function checkContainerFields(
  container: Record<string, unknown>,
  at: string,
  language: QueryLanguage,
  walk: Walk,
  extra: string[] = [],
): void {
  for (const key of Object.keys(container)) {
    if (!['StartAt', 'States', 'Comment', 'QueryLanguage', ...extra].includes(key))
      walk.problems.push(unsupported(key, `${at}/${key}`));
  }
  const own = checkLanguage(container.QueryLanguage, `${at}/QueryLanguage`, walk.problems) ?? language;
  validateContainer(container, at, own, walk);
}
