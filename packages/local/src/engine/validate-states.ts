/** Validation of Task, Choice, Wait and Fail states and of Retry / Catch. */
import { OPERATORS } from './choice-rules.ts';
import { isObject } from './json-value.ts';
import { isJsonataExpression } from './jsonata-eval.ts';
import { needsStandard, parseResource, S3_PARAMETERS } from './resources.ts';
import {
  checkAssign,
  checkDynamic,
  checkJsonata,
  checkNumberOrExpression,
  checkPathSyntax,
  checkPayload,
  checkReferencePath,
  isNonNegativeInt,
  isPositiveInt,
  type JsonCheck,
  type Problems,
  schema,
  unsupported,
  type Walk,
} from './validate-checks.ts';

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

/** A Retry list: ErrorEquals and the Retrier fields with their bounds. */
export function checkRetry(value: unknown, at: string, problems: Problems): void {
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

/** A Catch list: ErrorEquals, Next targets, ResultPath or Output/Assign. */
export function checkCatch(
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

/** The parameters of `arn:aws:states:::lambda:invoke`. */
const LAMBDA_PARAMETERS = [
  'FunctionName',
  'Payload',
  'InvocationType',
  'Qualifier',
  'ClientContext',
  'LogType',
];

/** A Task state: a supported resource, STANDARD-only resources outside EXPRESS, timeouts. */
export function checkTask(state: Record<string, unknown>, at: string, j: JsonCheck, walk: Walk): void {
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
  if (typeof resource !== 'string' && resource.kind === 'aws-sdk' && resource.service === 's3') {
    const field = j.language === 'JSONata' ? 'Arguments' : 'Parameters';
    const args = state[field];
    const allowed = S3_PARAMETERS[resource.action] ?? [];
    if (isObject(args)) {
      for (const key of Object.keys(args)) {
        if (!allowed.includes(key.replace(/\.\$$/, '')))
          j.problems.push(unsupported(key, `${at}/${field}/${key}`));
      }
    }
  }
  if (typeof resource !== 'string' && resource.kind === 'lambda') {
    // The optimized Lambda integration takes a fixed set of parameters, checked at creation as AWS does.
    const field = j.language === 'JSONata' ? 'Arguments' : 'Parameters';
    const args = state[field];
    if (isObject(args)) {
      for (const key of Object.keys(args)) {
        if (!LAMBDA_PARAMETERS.includes(key.replace(/\.\$$/, '')))
          j.problems.push(unsupported(key, `${at}/${field}/${key}`));
      }
      if (
        args.InvocationType !== undefined &&
        !['RequestResponse', 'Event', 'DryRun'].includes(args.InvocationType as string)
      ) {
        j.problems.push(
          schema(
            "InvocationType must be 'RequestResponse', 'Event' or 'DryRun'",
            `${at}/${field}/InvocationType`,
          ),
        );
      }
    }
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

/** A Choice state: its rules (JSONPath comparisons or JSONata Conditions) and Next targets. */
export function checkChoice(
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

/** A Wait state: exactly one of Seconds, Timestamp and their Path forms. */
export function checkWait(state: Record<string, unknown>, at: string, j: JsonCheck): void {
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

/** A Fail state: Error/Cause or their Path forms (or expressions). */
export function checkFail(state: Record<string, unknown>, at: string, j: JsonCheck): void {
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
