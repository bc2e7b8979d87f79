/**
 * Validation of a definition at CreateStateMachine / UpdateStateMachine. Everything the
 * engine does not run is refused here with a problem naming the field's path
 * (`/States/Work/Retry/0/ErrorEquals`), so an execution never meets a field it would ignore.
 */
import { OPERATORS } from './choice-rules.ts';
import type { QueryLanguage, StateDefinition } from './definition.ts';
import { isIntrinsic, parseIntrinsic } from './intrinsics.ts';
import { parseJsonPath } from './json-path.ts';
import { compileJsonata, isJsonataExpression } from './jsonata-eval.ts';
import { isVariableReference } from './payload.ts';
import { needsStandard, parseResource } from './resources.ts';

const COMMON = ['Type', 'Comment', 'QueryLanguage'];
const FLOW = ['Next', 'End'];
const ERRORS = ['Retry', 'Catch'];

/** The fields each state type accepts (either query language; see the per-language lists). */
const FIELDS: Record<string, readonly string[]> = {
  Pass: [
    ...COMMON,
    ...FLOW,
    'InputPath',
    'OutputPath',
    'Parameters',
    'ResultPath',
    'Result',
    'Assign',
    'Output',
  ],
  Task: [
    ...COMMON,
    ...FLOW,
    ...ERRORS,
    'InputPath',
    'OutputPath',
    'Parameters',
    'ResultPath',
    'ResultSelector',
    'Resource',
    'TimeoutSeconds',
    'TimeoutSecondsPath',
    'HeartbeatSeconds',
    'HeartbeatSecondsPath',
    'Assign',
    'Arguments',
    'Output',
  ],
  Choice: [...COMMON, 'Choices', 'Default', 'InputPath', 'OutputPath', 'Assign', 'Output'],
  Wait: [
    ...COMMON,
    ...FLOW,
    'Seconds',
    'Timestamp',
    'SecondsPath',
    'TimestampPath',
    'InputPath',
    'OutputPath',
    'Assign',
    'Output',
  ],
  Succeed: [...COMMON, 'InputPath', 'OutputPath', 'Output'],
  Fail: [...COMMON, 'Error', 'Cause', 'ErrorPath', 'CausePath'],
  Parallel: [
    ...COMMON,
    ...FLOW,
    ...ERRORS,
    'Branches',
    'InputPath',
    'OutputPath',
    'Parameters',
    'ResultPath',
    'ResultSelector',
    'Assign',
    'Arguments',
    'Output',
  ],
  Map: [
    ...COMMON,
    ...FLOW,
    ...ERRORS,
    'ItemProcessor',
    'Iterator',
    'ItemsPath',
    'Items',
    'ItemSelector',
    'Parameters',
    'MaxConcurrency',
    'MaxConcurrencyPath',
    'InputPath',
    'OutputPath',
    'ResultPath',
    'ResultSelector',
    'ItemReader',
    'ItemBatcher',
    'ResultWriter',
    'ToleratedFailurePercentage',
    'ToleratedFailurePercentagePath',
    'ToleratedFailureCount',
    'ToleratedFailureCountPath',
    'Label',
    'Assign',
    'Output',
  ],
};

/** Fields only JSONPath states may use. */
const JSONPATH_ONLY = new Set([
  'InputPath',
  'OutputPath',
  'Parameters',
  'ResultPath',
  'ResultSelector',
  'Result',
  'ItemsPath',
  'SecondsPath',
  'TimestampPath',
  'ErrorPath',
  'CausePath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
  'MaxConcurrencyPath',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCountPath',
  'Iterator',
]);
/** Fields only JSONata states may use. */
const JSONATA_ONLY = new Set(['Arguments', 'Output', 'Items']);

const DISTRIBUTED_ONLY = [
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
  'Label',
];

const MAX_BATCH_BYTES = 262_144; // ItemBatcher.MaxInputBytesPerBatch upper bound (AWS docs: 256 KiB).

type Problems = string[];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isPositiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
const isNonNegativeInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;

/** Context passed down while walking nested containers. */
interface Walk {
  readonly problems: Problems;
  /** Whether the enclosing container runs as an EXPRESS child (no activities, no callbacks). */
  readonly express: boolean;
}

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

const schema = (what: string, at: string): string => `SCHEMA_VALIDATION_FAILED: ${what} at ${at || '/'}`;
const unsupported = (field: string, at: string): string =>
  `SCHEMA_VALIDATION_FAILED: The field '${field}' is not supported by Step Functions at ${at}`;

function checkLanguage(value: unknown, at: string, problems: Problems): QueryLanguage | undefined {
  if (value === undefined) return undefined;
  if (value !== 'JSONPath' && value !== 'JSONata') {
    problems.push(schema("QueryLanguage must be 'JSONPath' or 'JSONata'", at));
    return undefined;
  }
  return value;
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
      ...(s.Choices ?? []).map((c) => c?.Next),
      ...(s.Catch ?? []).map((c) => c?.Next),
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
      checkMap(state, at, language, walk, j);
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

interface JsonCheck {
  readonly problems: Problems;
  readonly language: QueryLanguage;
}

function checkNullablePath(value: unknown, at: string, j: JsonCheck): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string') j.problems.push(schema('A path must be a string or null', at));
  else checkPathSyntax(value, at, j);
}

function checkPathSyntax(value: string, at: string, j: JsonCheck): void {
  try {
    if (isVariableReference(value)) parseJsonPath(`$${value.replace(/^\$[A-Za-z_][A-Za-z0-9_]*/, '')}`);
    else parseJsonPath(value.startsWith('$$') ? value.slice(1) : value);
  } catch (error) {
    j.problems.push(
      schema(`The value for the field must be a valid JSONPath: ${(error as Error).message}`, at),
    );
  }
}

function checkReferencePath(value: unknown, at: string, j: JsonCheck): void {
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
function checkPayload(value: unknown, at: string, j: JsonCheck): void {
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

function checkDynamic(value: unknown, at: string, j: JsonCheck): void {
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

function checkJsonata(value: string, at: string, j: JsonCheck): void {
  try {
    compileJsonata(value);
  } catch (error) {
    j.problems.push(schema((error as Error).message, at));
  }
}

const RESERVED_VARIABLE = /^states$/;

function checkAssign(value: unknown, at: string, j: JsonCheck): void {
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

const RETRIER_FIELDS = [
  'ErrorEquals',
  'IntervalSeconds',
  'MaxAttempts',
  'BackoffRate',
  'MaxDelaySeconds',
  'JitterStrategy',
  'Comment',
];

function checkErrorEquals(value: unknown, at: string, problems: Problems, last: boolean): void {
  if (!Array.isArray(value) || value.length === 0 || !value.every((e) => typeof e === 'string')) {
    problems.push(schema('ErrorEquals must be a non-empty array of strings', at));
    return;
  }
  if (value.includes('States.ALL') && (value.length > 1 || !last)) {
    problems.push(schema("'States.ALL' must appear alone and in the last Retrier/Catcher", at));
  }
}

function checkRetry(value: unknown, at: string, problems: Problems): void {
  if (!Array.isArray(value)) {
    problems.push(schema('Retry must be an array', at));
    return;
  }
  value.forEach((r, i) => {
    const rat = `${at}/${i}`;
    if (!isObject(r)) {
      problems.push(schema('A Retrier must be a JSON object', rat));
      return;
    }
    for (const k of Object.keys(r))
      if (!RETRIER_FIELDS.includes(k)) problems.push(unsupported(k, `${rat}/${k}`));
    checkErrorEquals(r.ErrorEquals, `${rat}/ErrorEquals`, problems, i === value.length - 1);
    if (r.IntervalSeconds !== undefined && !isPositiveInt(r.IntervalSeconds))
      problems.push(schema('IntervalSeconds must be a positive integer', `${rat}/IntervalSeconds`));
    if (r.MaxAttempts !== undefined && !isNonNegativeInt(r.MaxAttempts))
      problems.push(schema('MaxAttempts must be a non-negative integer', `${rat}/MaxAttempts`));
    if (r.BackoffRate !== undefined && !(typeof r.BackoffRate === 'number' && r.BackoffRate >= 1))
      problems.push(schema('BackoffRate must be a number >= 1.0', `${rat}/BackoffRate`));
    if (r.MaxDelaySeconds !== undefined && !isPositiveInt(r.MaxDelaySeconds))
      problems.push(schema('MaxDelaySeconds must be a positive integer', `${rat}/MaxDelaySeconds`));
    if (r.JitterStrategy !== undefined && r.JitterStrategy !== 'FULL' && r.JitterStrategy !== 'NONE')
      problems.push(schema("JitterStrategy must be 'FULL' or 'NONE'", `${rat}/JitterStrategy`));
  });
}

function checkCatch(
  value: unknown,
  at: string,
  j: JsonCheck,
  target: (field: string, v: unknown) => void,
): void {
  if (!Array.isArray(value)) {
    j.problems.push(schema('Catch must be an array', at));
    return;
  }
  const allowed = [
    'ErrorEquals',
    'Next',
    'Comment',
    'Assign',
    ...(j.language === 'JSONata' ? ['Output'] : ['ResultPath']),
  ];
  value.forEach((c, i) => {
    const cat = `${at}/${i}`;
    if (!isObject(c)) {
      j.problems.push(schema('A Catcher must be a JSON object', cat));
      return;
    }
    for (const k of Object.keys(c)) if (!allowed.includes(k)) j.problems.push(unsupported(k, `${cat}/${k}`));
    checkErrorEquals(c.ErrorEquals, `${cat}/ErrorEquals`, j.problems, i === value.length - 1);
    target(`Catch/${i}/Next`, c.Next);
    if (c.ResultPath !== undefined && c.ResultPath !== null)
      checkReferencePath(c.ResultPath, `${cat}/ResultPath`, j);
    if (c.Output !== undefined) checkPayload(c.Output, `${cat}/Output`, j);
    if (c.Assign !== undefined) checkAssign(c.Assign, `${cat}/Assign`, j);
  });
}

/** A number field that JSONata states may also give as `{% %}`. */
function checkNumberOrExpression(
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

function checkTask(state: Record<string, unknown>, at: string, j: JsonCheck, walk: Walk): void {
  if (typeof state.Resource !== 'string') {
    j.problems.push(schema('Resource must be a string', `${at}/Resource`));
    return;
  }
  const resource = parseResource(state.Resource);
  if (typeof resource === 'string') j.problems.push(schema(resource, `${at}/Resource`));
  else if (walk.express && needsStandard(resource)) {
    j.problems.push(
      schema(
        'Express workflows do not support activities or the .waitForTaskToken pattern; use a STANDARD child workflow',
        `${at}/Resource`,
      ),
    );
  }
  if (
    typeof resource !== 'string' &&
    resource.kind === 'activity' &&
    (state.Parameters !== undefined || state.Arguments !== undefined)
  ) {
    // Allowed: Parameters/Arguments shape the activity's input.
  }
  checkNumberOrExpression(
    state.TimeoutSeconds,
    `${at}/TimeoutSeconds`,
    j,
    isPositiveInt,
    'TimeoutSeconds must be a positive integer',
  );
  checkNumberOrExpression(
    state.HeartbeatSeconds,
    `${at}/HeartbeatSeconds`,
    j,
    isPositiveInt,
    'HeartbeatSeconds must be a positive integer',
  );
  if (state.TimeoutSeconds !== undefined && state.TimeoutSecondsPath !== undefined)
    j.problems.push(schema('Only one of TimeoutSeconds and TimeoutSecondsPath may be set', at));
  if (state.HeartbeatSeconds !== undefined && state.HeartbeatSecondsPath !== undefined)
    j.problems.push(schema('Only one of HeartbeatSeconds and HeartbeatSecondsPath may be set', at));
  for (const f of ['TimeoutSecondsPath', 'HeartbeatSecondsPath'])
    if (state[f] !== undefined) checkReferencePath(state[f], `${at}/${f}`, j);
  if (
    typeof state.TimeoutSeconds === 'number' &&
    typeof state.HeartbeatSeconds === 'number' &&
    state.HeartbeatSeconds >= state.TimeoutSeconds
  ) {
    j.problems.push(schema('HeartbeatSeconds must be smaller than TimeoutSeconds', `${at}/HeartbeatSeconds`));
  }
}

function checkChoice(
  state: Record<string, unknown>,
  at: string,
  j: JsonCheck,
  target: (field: string, v: unknown) => void,
): void {
  if (!Array.isArray(state.Choices) || state.Choices.length === 0) {
    j.problems.push(schema('Choices must be a non-empty array', `${at}/Choices`));
    return;
  }
  if (state.Default !== undefined) target('Default', state.Default);
  state.Choices.forEach((rule, i) => {
    const rat = `${at}/Choices/${i}`;
    if (!isObject(rule)) {
      j.problems.push(schema('A Choice rule must be a JSON object', rat));
      return;
    }
    target(`Choices/${i}/Next`, rule.Next);
    if (j.language === 'JSONata') {
      for (const k of Object.keys(rule))
        if (!['Condition', 'Next', 'Output', 'Assign', 'Comment'].includes(k))
          j.problems.push(unsupported(k, `${rat}/${k}`));
      if (!isJsonataExpression(rule.Condition))
        j.problems.push(schema('Condition must be a JSONata expression {% ... %}', `${rat}/Condition`));
      else checkJsonata(rule.Condition, `${rat}/Condition`, j);
      if (rule.Output !== undefined) checkPayload(rule.Output, `${rat}/Output`, j);
      if (rule.Assign !== undefined) checkAssign(rule.Assign, `${rat}/Assign`, j);
    } else {
      checkRule(rule, rat, j, true);
    }
  });
}

function checkRule(rule: Record<string, unknown>, at: string, j: JsonCheck, top: boolean): void {
  const extra = top ? ['Next', 'Comment', 'Assign'] : ['Comment'];
  if (top && rule.Assign !== undefined) checkAssign(rule.Assign, `${at}/Assign`, j);
  for (const combinator of ['And', 'Or']) {
    if (rule[combinator] !== undefined) {
      const list = rule[combinator];
      for (const k of Object.keys(rule))
        if (k !== combinator && !extra.includes(k)) j.problems.push(unsupported(k, `${at}/${k}`));
      if (!Array.isArray(list) || list.length === 0)
        j.problems.push(schema(`${combinator} must be a non-empty array`, `${at}/${combinator}`));
      else
        for (const [i, r] of list.entries()) {
          if (isObject(r)) checkRule(r, `${at}/${combinator}/${i}`, j, false);
          else j.problems.push(schema('A rule must be an object', `${at}/${combinator}/${i}`));
        }
      return;
    }
  }
  if (rule.Not !== undefined) {
    for (const k of Object.keys(rule))
      if (k !== 'Not' && !extra.includes(k)) j.problems.push(unsupported(k, `${at}/${k}`));
    if (!isObject(rule.Not)) j.problems.push(schema('Not must be a rule object', `${at}/Not`));
    else checkRule(rule.Not, `${at}/Not`, j, false);
    return;
  }
  if (typeof rule.Variable !== 'string')
    j.problems.push(schema('A comparison needs a Variable', `${at}/Variable`));
  else checkPathSyntax(rule.Variable, `${at}/Variable`, j);
  const operators = Object.keys(rule).filter((k) => k !== 'Variable' && !extra.includes(k));
  if (operators.length !== 1 || !OPERATORS.has(operators[0]!)) {
    j.problems.push(
      schema(`A comparison needs exactly one supported operator, got ${operators.join(', ') || 'none'}`, at),
    );
    return;
  }
  const op = operators[0]!;
  const v = rule[op];
  if (op.endsWith('Path')) {
    if (typeof v !== 'string') j.problems.push(schema(`${op} must be a path`, `${at}/${op}`));
    else checkPathSyntax(v, `${at}/${op}`, j);
  } else if (op.startsWith('Is') || op === 'BooleanEquals') {
    if (typeof v !== 'boolean') j.problems.push(schema(`${op} must be a boolean`, `${at}/${op}`));
  } else if (op.startsWith('Numeric')) {
    if (typeof v !== 'number') j.problems.push(schema(`${op} must be a number`, `${at}/${op}`));
  } else if (typeof v !== 'string') j.problems.push(schema(`${op} must be a string`, `${at}/${op}`));
}

function checkWait(state: Record<string, unknown>, at: string, j: JsonCheck): void {
  const set = ['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'].filter((k) => state[k] !== undefined);
  if (set.length !== 1) {
    j.problems.push(
      schema('Exactly one of Seconds, Timestamp, SecondsPath and TimestampPath must be set', at),
    );
    return;
  }
  const f = set[0]!;
  if (f.endsWith('Path')) checkReferencePath(state[f], `${at}/${f}`, j);
  else if (f === 'Seconds')
    checkNumberOrExpression(
      state.Seconds,
      `${at}/Seconds`,
      j,
      isNonNegativeInt,
      'Seconds must be a non-negative integer',
    );
  else if (j.language === 'JSONata' && isJsonataExpression(state.Timestamp))
    checkJsonata(state.Timestamp, `${at}/Timestamp`, j);
  else if (typeof state.Timestamp !== 'string' || Number.isNaN(Date.parse(state.Timestamp))) {
    j.problems.push(schema('Timestamp must be an ISO-8601 timestamp', `${at}/Timestamp`));
  }
}

function checkFail(state: Record<string, unknown>, at: string, j: JsonCheck): void {
  for (const [plain, path] of [
    ['Error', 'ErrorPath'],
    ['Cause', 'CausePath'],
  ] as const) {
    if (state[plain] !== undefined && state[path] !== undefined)
      j.problems.push(schema(`Only one of ${plain} and ${path} may be set`, at));
    if (state[plain] !== undefined && typeof state[plain] !== 'string')
      j.problems.push(schema(`${plain} must be a string`, `${at}/${plain}`));
    if (isJsonataExpression(state[plain])) checkJsonata(state[plain] as string, `${at}/${plain}`, j);
    if (state[path] !== undefined) checkDynamic(state[path], `${at}/${path}`, j);
  }
}

function checkMap(
  state: Record<string, unknown>,
  at: string,
  language: QueryLanguage,
  walk: Walk,
  j: JsonCheck,
): void {
  const { problems } = walk;
  if (state.ItemProcessor !== undefined && state.Iterator !== undefined)
    problems.push(schema('Only one of ItemProcessor and Iterator may be set', at));
  const field = state.ItemProcessor !== undefined ? 'ItemProcessor' : 'Iterator';
  const processor = state[field];
  if (!isObject(processor)) {
    problems.push(schema('A Map state needs an ItemProcessor', `${at}/ItemProcessor`));
    return;
  }
  const config = processor.ProcessorConfig;
  let distributed = false;
  let express = walk.express;
  if (config !== undefined) {
    if (!isObject(config))
      problems.push(schema('ProcessorConfig must be an object', `${at}/${field}/ProcessorConfig`));
    else {
      for (const k of Object.keys(config))
        if (k !== 'Mode' && k !== 'ExecutionType')
          problems.push(unsupported(k, `${at}/${field}/ProcessorConfig/${k}`));
      if (config.Mode !== undefined && config.Mode !== 'INLINE' && config.Mode !== 'DISTRIBUTED')
        problems.push(
          schema("Mode must be 'INLINE' or 'DISTRIBUTED'", `${at}/${field}/ProcessorConfig/Mode`),
        );
      distributed = config.Mode === 'DISTRIBUTED';
      if (distributed) {
        if (config.ExecutionType !== 'STANDARD' && config.ExecutionType !== 'EXPRESS') {
          problems.push(
            schema(
              "A DISTRIBUTED ItemProcessor needs ExecutionType 'STANDARD' or 'EXPRESS'",
              `${at}/${field}/ProcessorConfig/ExecutionType`,
            ),
          );
        }
        express = config.ExecutionType === 'EXPRESS';
      } else if (config.ExecutionType !== undefined) {
        problems.push(unsupported('ExecutionType', `${at}/${field}/ProcessorConfig/ExecutionType`));
      }
    }
  }
  checkContainerFields(processor, `${at}/${field}`, language, { problems, express }, ['ProcessorConfig']);
  if (!distributed) {
    for (const f of DISTRIBUTED_ONLY)
      if (state[f] !== undefined)
        problems.push(schema(`The field '${f}' needs a DISTRIBUTED ItemProcessor`, `${at}/${f}`));
  }
  if (state.ItemsPath !== undefined) checkReferencePath(state.ItemsPath, `${at}/ItemsPath`, j);
  if (state.Items !== undefined && !isJsonataExpression(state.Items) && !Array.isArray(state.Items))
    problems.push(schema('Items must be an array or a JSONata expression', `${at}/Items`));
  if (state.Items !== undefined) checkPayload(state.Items, `${at}/Items`, j);
  if (state.Parameters !== undefined && state.ItemSelector !== undefined)
    problems.push(schema('Only one of Parameters and ItemSelector may be set', at));
  if (state.ItemReader !== undefined && (state.ItemsPath !== undefined || state.Items !== undefined))
    problems.push(schema('ItemReader cannot be combined with ItemsPath or Items', `${at}/ItemReader`));
  checkNumberOrExpression(
    state.MaxConcurrency,
    `${at}/MaxConcurrency`,
    j,
    isNonNegativeInt,
    'MaxConcurrency must be a non-negative integer',
  );
  checkNumberOrExpression(
    state.ToleratedFailurePercentage,
    `${at}/ToleratedFailurePercentage`,
    j,
    (n) => typeof n === 'number' && n >= 0 && n <= 100,
    'ToleratedFailurePercentage must be a number from 0 to 100',
  );
  checkNumberOrExpression(
    state.ToleratedFailureCount,
    `${at}/ToleratedFailureCount`,
    j,
    isNonNegativeInt,
    'ToleratedFailureCount must be a non-negative integer',
  );
  for (const f of ['MaxConcurrencyPath', 'ToleratedFailurePercentagePath', 'ToleratedFailureCountPath'])
    if (state[f] !== undefined) checkReferencePath(state[f], `${at}/${f}`, j);
  if (
    state.Label !== undefined &&
    (typeof state.Label !== 'string' || !/^[^\s<>{}[\]?*"#%\\^|~`$&,;:/]{1,40}$/.test(state.Label))
  ) {
    problems.push(
      schema('Label must be 1 to 40 characters without spaces or special characters', `${at}/Label`),
    );
  }
  if (state.ItemReader !== undefined) checkItemReader(state.ItemReader, `${at}/ItemReader`, j);
  if (state.ItemBatcher !== undefined) checkItemBatcher(state.ItemBatcher, `${at}/ItemBatcher`, j);
  if (state.ResultWriter !== undefined) checkResultWriter(state.ResultWriter, `${at}/ResultWriter`, j);
}

const READERS = ['arn:aws:states:::s3:listObjectsV2', 'arn:aws:states:::s3:getObject'];

function checkItemReader(reader: unknown, at: string, j: JsonCheck): void {
  if (!isObject(reader)) return void j.problems.push(schema('ItemReader must be an object', at));
  const args = j.language === 'JSONata' ? 'Arguments' : 'Parameters';
  for (const k of Object.keys(reader))
    if (!['Resource', 'ReaderConfig', args].includes(k)) j.problems.push(unsupported(k, `${at}/${k}`));
  if (typeof reader.Resource !== 'string' || !READERS.includes(reader.Resource)) {
    j.problems.push(schema(`ItemReader Resource must be one of ${READERS.join(', ')}`, `${at}/Resource`));
  }
  const params = reader[args];
  if (!isObject(params) && !isJsonataExpression(params))
    j.problems.push(schema(`ItemReader needs ${args} with Bucket`, `${at}/${args}`));
  else if (isObject(params)) {
    const allowed =
      reader.Resource === 'arn:aws:states:::s3:listObjectsV2' ? ['Bucket', 'Prefix'] : ['Bucket', 'Key'];
    for (const k of Object.keys(params))
      if (!allowed.includes(k.replace(/\.\$$/, ''))) j.problems.push(unsupported(k, `${at}/${args}/${k}`));
    checkPayload(params, `${at}/${args}`, j);
  }
  const config = reader.ReaderConfig;
  const getObject = reader.Resource === 'arn:aws:states:::s3:getObject';
  if (config === undefined) {
    if (getObject) j.problems.push(schema('s3:getObject needs ReaderConfig.InputType', `${at}/ReaderConfig`));
    return;
  }
  if (!isObject(config))
    return void j.problems.push(schema('ReaderConfig must be an object', `${at}/ReaderConfig`));
  const cat = `${at}/ReaderConfig`;
  const allowed = [
    'InputType',
    'CSVHeaderLocation',
    'CSVHeaders',
    'CSVDelimiter',
    'MaxItems',
    'MaxItemsPath',
  ];
  for (const k of Object.keys(config))
    if (!allowed.includes(k)) j.problems.push(unsupported(k, `${cat}/${k}`));
  if (getObject && !['CSV', 'JSON', 'JSONL', 'MANIFEST'].includes(config.InputType as string)) {
    j.problems.push(schema('InputType must be CSV, JSON, JSONL or MANIFEST', `${cat}/InputType`));
  }
  if (!getObject && config.InputType !== undefined)
    j.problems.push(schema('InputType applies to s3:getObject only', `${cat}/InputType`));
  const csv = config.InputType === 'CSV';
  for (const k of ['CSVHeaderLocation', 'CSVHeaders', 'CSVDelimiter'])
    if (!csv && config[k] !== undefined) j.problems.push(schema(`${k} applies to CSV only`, `${cat}/${k}`));
  if (csv) {
    if (
      config.CSVHeaderLocation !== undefined &&
      config.CSVHeaderLocation !== 'FIRST_ROW' &&
      config.CSVHeaderLocation !== 'GIVEN'
    )
      j.problems.push(schema("CSVHeaderLocation must be 'FIRST_ROW' or 'GIVEN'", `${cat}/CSVHeaderLocation`));
    const given = config.CSVHeaderLocation === 'GIVEN';
    if (given !== (config.CSVHeaders !== undefined))
      j.problems.push(
        schema('CSVHeaders is required with, and only with, CSVHeaderLocation GIVEN', `${cat}/CSVHeaders`),
      );
    if (
      config.CSVHeaders !== undefined &&
      !(
        Array.isArray(config.CSVHeaders) &&
        config.CSVHeaders.length > 0 &&
        config.CSVHeaders.every((h) => typeof h === 'string')
      )
    )
      j.problems.push(schema('CSVHeaders must be a non-empty array of strings', `${cat}/CSVHeaders`));
    if (
      config.CSVDelimiter !== undefined &&
      !['COMMA', 'PIPE', 'SEMICOLON', 'SPACE', 'TAB'].includes(config.CSVDelimiter as string)
    )
      j.problems.push(
        schema('CSVDelimiter must be COMMA, PIPE, SEMICOLON, SPACE or TAB', `${cat}/CSVDelimiter`),
      );
  }
  checkNumberOrExpression(
    config.MaxItems,
    `${cat}/MaxItems`,
    j,
    (n) => isPositiveInt(n) && (n as number) <= 100_000_000,
    'MaxItems must be an integer from 1 to 100,000,000',
  );
  if (config.MaxItemsPath !== undefined) checkReferencePath(config.MaxItemsPath, `${cat}/MaxItemsPath`, j);
}

function checkItemBatcher(batcher: unknown, at: string, j: JsonCheck): void {
  if (!isObject(batcher)) return void j.problems.push(schema('ItemBatcher must be an object', at));
  const allowed = [
    'MaxItemsPerBatch',
    'MaxItemsPerBatchPath',
    'MaxInputBytesPerBatch',
    'MaxInputBytesPerBatchPath',
    'BatchInput',
  ];
  for (const k of Object.keys(batcher))
    if (!allowed.includes(k)) j.problems.push(unsupported(k, `${at}/${k}`));
  checkNumberOrExpression(
    batcher.MaxItemsPerBatch,
    `${at}/MaxItemsPerBatch`,
    j,
    isPositiveInt,
    'MaxItemsPerBatch must be a positive integer',
  );
  checkNumberOrExpression(
    batcher.MaxInputBytesPerBatch,
    `${at}/MaxInputBytesPerBatch`,
    j,
    (n) => isPositiveInt(n) && (n as number) <= MAX_BATCH_BYTES,
    `MaxInputBytesPerBatch must be an integer from 1 to ${MAX_BATCH_BYTES}`,
  );
  for (const f of ['MaxItemsPerBatchPath', 'MaxInputBytesPerBatchPath'])
    if (batcher[f] !== undefined) checkReferencePath(batcher[f], `${at}/${f}`, j);
  if (
    ['MaxItemsPerBatch', 'MaxItemsPerBatchPath', 'MaxInputBytesPerBatch', 'MaxInputBytesPerBatchPath'].every(
      (f) => batcher[f] === undefined,
    )
  ) {
    j.problems.push(schema('ItemBatcher needs MaxItemsPerBatch or MaxInputBytesPerBatch', at));
  }
  if (batcher.BatchInput !== undefined) checkPayload(batcher.BatchInput, `${at}/BatchInput`, j);
}

function checkResultWriter(writer: unknown, at: string, j: JsonCheck): void {
  if (!isObject(writer)) return void j.problems.push(schema('ResultWriter must be an object', at));
  const args = j.language === 'JSONata' ? 'Arguments' : 'Parameters';
  for (const k of Object.keys(writer))
    if (!['Resource', args].includes(k)) j.problems.push(unsupported(k, `${at}/${k}`));
  if (writer.Resource !== 'arn:aws:states:::s3:putObject')
    j.problems.push(
      schema("ResultWriter Resource must be 'arn:aws:states:::s3:putObject'", `${at}/Resource`),
    );
  const params = writer[args];
  if (!isObject(params)) j.problems.push(schema(`ResultWriter needs ${args} with Bucket`, `${at}/${args}`));
  else {
    for (const k of Object.keys(params))
      if (!['Bucket', 'Prefix'].includes(k.replace(/\.\$$/, '')))
        j.problems.push(unsupported(k, `${at}/${args}/${k}`));
    checkPayload(params, `${at}/${args}`, j);
  }
}
