/**
 * JSONPath Choice rules: the comparison operators (String*, Numeric*, Boolean*, Timestamp*,
 * their `*Path` forms, StringMatches, Is*) and the And / Or / Not combinators.
 */
import { parseJsonPath, selectAll } from './json-path.ts';
import { type DataScope, resolveReference } from './payload.ts';

type Rule = Record<string, unknown>;

/** The comparison operators a rule may use, without their `Path` suffix. */
const COMPARATORS = [
  'StringEquals',
  'StringLessThan',
  'StringGreaterThan',
  'StringLessThanEquals',
  'StringGreaterThanEquals',
  'NumericEquals',
  'NumericLessThan',
  'NumericGreaterThan',
  'NumericLessThanEquals',
  'NumericGreaterThanEquals',
  'BooleanEquals',
  'TimestampEquals',
  'TimestampLessThan',
  'TimestampGreaterThan',
  'TimestampLessThanEquals',
  'TimestampGreaterThanEquals',
] as const;

/** Type tests that take a boolean. */
const TYPE_TESTS = ['IsNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp'] as const;

/** Every operator name valid in a rule (with Path forms and StringMatches). */
export const OPERATORS: ReadonlySet<string> = new Set([
  ...COMPARATORS,
  ...COMPARATORS.map((c) => `${c}Path`),
  'StringMatches',
  ...TYPE_TESTS,
]);

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const isTimestamp = (v: unknown): v is string => typeof v === 'string' && TIMESTAMP.test(v);

/** Evaluates a rule against the Choice state's (InputPath-processed) input. */
export function evaluateRule(rule: Rule, input: unknown, scope: DataScope): boolean {
  if (Array.isArray(rule.And)) return (rule.And as Rule[]).every((r) => evaluateRule(r, input, scope));
  if (Array.isArray(rule.Or)) return (rule.Or as Rule[]).some((r) => evaluateRule(r, input, scope));
  if (rule.Not) return !evaluateRule(rule.Not as Rule, input, scope);
  const variable = rule.Variable as string;
  const operator = Object.keys(rule).find((k) => OPERATORS.has(k))!;
  const operand = rule[operator];
  const present = exists(variable, input, scope);
  if (operator === 'IsPresent') return present === operand;
  if (!present) return false;
  const value = resolveReference(variable, input, scope, 'Variable');
  switch (operator) {
    case 'IsNull':
      return (value === null) === operand;
    case 'IsNumeric':
      return (typeof value === 'number') === operand;
    case 'IsString':
      return (typeof value === 'string') === operand;
    case 'IsBoolean':
      return (typeof value === 'boolean') === operand;
    case 'IsTimestamp':
      return isTimestamp(value) === operand;
    case 'StringMatches':
      return typeof value === 'string' && wildcard(operand as string).test(value);
  }
  const base = operator.endsWith('Path') ? operator.slice(0, -4) : operator;
  const other = operator.endsWith('Path')
    ? resolveReference(operand as string, input, scope, operator)
    : operand;
  return compare(base, value, other);
}

function exists(source: string, input: unknown, scope: DataScope): boolean {
  try {
    if (source.startsWith('$$'))
      return selectAll(parseJsonPath(`$${source.slice(2)}`), scope.context).length > 0;
    resolveReference(source, input, scope, 'Variable');
    return true;
  } catch {
    return false;
  }
}

function compare(base: string, value: unknown, other: unknown): boolean {
  const kind = base.startsWith('String')
    ? 'string'
    : base.startsWith('Numeric')
      ? 'number'
      : base.startsWith('Boolean')
        ? 'boolean'
        : 'timestamp';
  const relation = base.replace(/^(String|Numeric|Boolean|Timestamp)/, '');
  let a: string | number | boolean;
  let b: string | number | boolean;
  if (kind === 'timestamp') {
    if (!isTimestamp(value) || !isTimestamp(other)) return false;
    a = Date.parse(value);
    b = Date.parse(other);
  } else {
    if (typeof value !== kind || typeof other !== kind) return false;
    a = value as string | number | boolean;
    b = other as string | number | boolean;
  }
  switch (relation) {
    case 'Equals':
      return a === b;
    case 'LessThan':
      return a < b;
    case 'GreaterThan':
      return a > b;
    case 'LessThanEquals':
      return a <= b;
    case 'GreaterThanEquals':
      return a >= b;
    default:
      return false;
  }
}

const patterns = new Map<string, RegExp>();

/** StringMatches: `*` matches any run of characters, `\*` a literal star. */
function wildcard(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) {
    let source = '';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i]!;
      if (c === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]!);
      else if (c === '*') source += '.*';
      else source += escapeRegExp(c);
    }
    re = new RegExp(`^${source}$`, 's');
    patterns.set(pattern, re);
  }
  return re;
}

const escapeRegExp = (c: string): string => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
