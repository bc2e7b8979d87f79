/**
 * ARNs and names of state machines, executions and Map Runs, built and parsed the way Step
 * Functions forms them. A Map Run's child executions live under `<stateMachine>/<label>`.
 */
import { AwsError } from '../aws-error.ts';
import { invalidArn } from './errors.ts';

const prefix = (region: string, accountId: string): string => `arn:aws:states:${region}:${accountId}`;

/** `arn:aws:states:<region>:<account>:stateMachine:<name>`. */
export const stateMachineArn = (region: string, accountId: string, name: string): string =>
  `${prefix(region, accountId)}:stateMachine:${name}`;

/** `arn:aws:states:<region>:<account>:execution:<stateMachine>:<name>` (children: `<stateMachine>/<label>`). */
export const executionArn = (
  region: string,
  accountId: string,
  machine: string,
  name: string,
  express = false,
): string => `${prefix(region, accountId)}:${express ? 'express' : 'execution'}:${machine}:${name}`;

/** `arn:aws:states:<region>:<account>:mapRun:<stateMachine>/<label>:<id>`. */
export const mapRunArn = (
  region: string,
  accountId: string,
  machine: string,
  label: string,
  id: string,
): string => `${prefix(region, accountId)}:mapRun:${machine}/${label}:${id}`;

const ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):(stateMachine|execution|express|mapRun):(.+)$/;

/** The parts of a Step Functions ARN of the given resource type, or InvalidArn. */
export function parseStatesArn(
  arn: unknown,
  type: 'stateMachine' | 'execution' | 'mapRun',
): { region: string; accountId: string; resource: string } {
  const m = typeof arn === 'string' ? ARN.exec(arn) : null;
  const kind = m?.[3] === 'express' ? 'execution' : m?.[3];
  if (!m || kind !== type) throw invalidArn(arn);
  return { region: m[1]!, accountId: m[2]!, resource: m[4]! };
}

const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;
// Control characters (U+0000-001F, U+007F-009F) are refused too, as the API reference says.
const hasControl = (s: string): boolean =>
  [...s].some((ch) => {
    const c = ch.codePointAt(0)!;
    return c < 0x20 || (c >= 0x7f && c <= 0x9f);
  });

/** Checks a state machine or execution name as AWS does (1–80 chars, no whitespace or specials). */
export function assertValidName(name: unknown, what: string): string {
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    name.length > 80 ||
    FORBIDDEN.test(name) ||
    hasControl(name)
  ) {
    throw new AwsError(
      'InvalidName',
      `Invalid Name: '${String(name)}' is not a valid ${what} name (1-80 characters, no whitespace, brackets, wildcards or special characters)`,
    );
  }
  return name;
}
