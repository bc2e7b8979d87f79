/**
 * CreateStateMachine, UpdateStateMachine, DescribeStateMachine, ListStateMachines and
 * DeleteStateMachine, with the validation and errors of the Step Functions API.
 */
import { randomUUID } from 'node:crypto';
import { AwsError, validationError } from '../aws-error.ts';
import type { JsonOperation, RequestContext } from '../service.ts';
import { assertValidName, parseStatesArn, stateMachineArn } from './arns.ts';
import type { StateMachineDefinition } from './definition.ts';
import type { Engine } from './engine.ts';
import { invalidDefinition } from './errors.ts';
import { optionalInteger, optionalString, paginateByKey, requiredString, wireTime } from './params.ts';
import type { StateMachineRecord } from './registry.ts';
import { validateDefinition } from './validate.ts';

const MAX_DEFINITION_BYTES = 1_048_576; // CreateStateMachine: definition up to 1 MB (API reference).

/** Parses and validates a definition text; throws InvalidDefinition naming every problem. */
function parseDefinition(text: string, type: 'STANDARD' | 'EXPRESS'): StateMachineDefinition {
  if (Buffer.byteLength(text) > MAX_DEFINITION_BYTES)
    throw invalidDefinition(['SCHEMA_VALIDATION_FAILED: The definition is larger than 1 MB at /']);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidDefinition([`INVALID_JSON_DESCRIPTION: ${(error as Error).message}`]);
  }
  const problems = validateDefinition(parsed, type);
  if (problems.length > 0) throw invalidDefinition(problems);
  return parsed as StateMachineDefinition;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;

function roleArnOf(input: Record<string, unknown>, required: boolean): string | undefined {
  const role = required ? requiredString(input, 'roleArn') : optionalString(input, 'roleArn');
  if (role !== undefined && !ROLE_ARN.test(role))
    throw new AwsError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${role}'`);
  return role;
}

/** Finds an ACTIVE state machine or throws StateMachineDoesNotExist. */
export function findStateMachine(engine: Engine, arn: unknown): StateMachineRecord {
  parseStatesArn(arn, 'stateMachine');
  const record = engine.registry.stateMachines.get(arn as string);
  if (!record)
    throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(arn)}'`);
  return record;
}

/** The state machine operations of the Step Functions API. */
export function stateMachineOperations(engine: Engine): Record<string, JsonOperation> {
  const { registry } = engine;
  const now = (): number => engine.services.clock.now();
  return {
    CreateStateMachine(input, ctx: RequestContext) {
      const name = assertValidName(requiredString(input, 'name'), 'state machine');
      const definitionText = requiredString(input, 'definition');
      const roleArn = roleArnOf(input, true)!;
      const type = (optionalString(input, 'type') ?? 'STANDARD') as 'STANDARD' | 'EXPRESS';
      if (type !== 'STANDARD' && type !== 'EXPRESS')
        throw validationError(
          `Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]`,
        );
      if (input.publish === true)
        throw validationError('publish (state machine versions) is not supported by stepfleet local');
      const definition = parseDefinition(definitionText, type);
      const arn = stateMachineArn(ctx.region, ctx.accountId, name);
      const existing = registry.stateMachines.get(arn);
      if (existing) {
        if (
          existing.definitionText === definitionText &&
          existing.roleArn === roleArn &&
          existing.type === type
        ) {
          return { stateMachineArn: arn, creationDate: wireTime(existing.creationDate) };
        }
        throw new AwsError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
      }
      const record: StateMachineRecord = {
        arn,
        name,
        type,
        definitionText,
        definition,
        roleArn,
        creationDate: now(),
        updateDate: undefined,
        revisionId: randomUUID(),
        loggingConfiguration: input.loggingConfiguration ?? { level: 'OFF', includeExecutionData: false },
        tracingConfiguration: input.tracingConfiguration ?? { enabled: false },
        status: 'ACTIVE',
      };
      registry.stateMachines.set(arn, record);
      return { stateMachineArn: arn, creationDate: wireTime(record.creationDate) };
    },

    UpdateStateMachine(input) {
      const record = findStateMachine(engine, input.stateMachineArn);
      const definitionText = optionalString(input, 'definition');
      const roleArn = roleArnOf(input, false);
      if (
        definitionText === undefined &&
        roleArn === undefined &&
        input.loggingConfiguration === undefined &&
        input.tracingConfiguration === undefined
      ) {
        throw new AwsError(
          'MissingRequiredParameter',
          'Either the definition, the roleArn, the loggingConfiguration or the tracingConfiguration must be specified',
        );
      }
      if (input.publish === true)
        throw validationError('publish (state machine versions) is not supported by stepfleet local');
      if (definitionText !== undefined) {
        record.definition = parseDefinition(definitionText, record.type);
        record.definitionText = definitionText;
      }
      if (roleArn !== undefined) record.roleArn = roleArn;
      if (input.loggingConfiguration !== undefined) record.loggingConfiguration = input.loggingConfiguration;
      if (input.tracingConfiguration !== undefined) record.tracingConfiguration = input.tracingConfiguration;
      record.updateDate = now();
      record.revisionId = randomUUID();
      return { updateDate: wireTime(record.updateDate), revisionId: record.revisionId };
    },

    DescribeStateMachine(input) {
      const { resource } = parseStatesArn(input.stateMachineArn, 'stateMachine');
      if (resource.includes('/')) return describeMapRunMachine(engine, input.stateMachineArn as string);
      const r = findStateMachine(engine, input.stateMachineArn);
      return {
        stateMachineArn: r.arn,
        name: r.name,
        status: r.status,
        definition: r.definitionText,
        roleArn: r.roleArn,
        type: r.type,
        creationDate: wireTime(r.creationDate),
        loggingConfiguration: r.loggingConfiguration,
        tracingConfiguration: r.tracingConfiguration,
        revisionId: r.revisionId,
      };
    },

    ValidateStateMachineDefinition(input) {
      const text = requiredString(input, 'definition');
      const type = (optionalString(input, 'type') ?? 'STANDARD') as 'STANDARD' | 'EXPRESS';
      if (type !== 'STANDARD' && type !== 'EXPRESS')
        throw validationError(
          `Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]`,
        );
      const max = optionalInteger(input, 'maxResults', 0, 100) || 100;
      let problems: string[];
      try {
        parseDefinition(text, type);
        problems = [];
      } catch (error) {
        problems = (error as { problems?: string[] }).problems ?? [(error as Error).message];
      }
      const diagnostics = problems.slice(0, max).map(diagnostic);
      return { result: problems.length === 0 ? 'OK' : 'FAIL', diagnostics, truncated: problems.length > max };
    },

    ListStateMachines(input) {
      // Sorted by ARN (per region, by name) and paged by it: deleting machines while paging
      // through them (a clean-up loop) skips none of the others.
      const all = [...registry.stateMachines.values()].sort((a, b) =>
        a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0,
      );
      const { page, nextToken } = paginateByKey(all, input, (r) => r.arn);
      return {
        stateMachines: page.map((r) => ({
          stateMachineArn: r.arn,
          name: r.name,
          type: r.type,
          creationDate: wireTime(r.creationDate),
        })),
        ...(nextToken ? { nextToken } : {}),
      };
    },

    DeleteStateMachine(input) {
      const { resource } = parseStatesArn(input.stateMachineArn, 'stateMachine');
      // A qualified ARN (`<machine>/<Distributed Map label>`) names a Map Run's processor: AWS refuses it.
      if (resource.includes('/'))
        throw validationError(
          `Cannot delete a qualified state machine ARN (a Distributed Map state's): ${String(input.stateMachineArn)}`,
        );
      // As AWS: deleting is accepted for an unknown ARN too, and the machine's running
      // executions are terminated (AWS does it at their next state transition).
      registry.stateMachines.delete(input.stateMachineArn as string);
      for (const e of registry.executionsByMachine.get(input.stateMachineArn as string) ?? []) {
        if (e.status === 'RUNNING') void e.stop('States.Aborted', 'The state machine was deleted');
      }
      return {};
    },
  };
}

/**
 * DescribeStateMachine of a qualified ARN (`stateMachine:<name>/<label>`): the Distributed Map
 * processor that a Map Run's children execute, as AWS describes it.
 */
function describeMapRunMachine(engine: Engine, arn: string): Record<string, unknown> {
  for (const run of engine.registry.mapRuns.values()) {
    const child = run.stateMachineArn === arn ? run.children[0] : undefined;
    if (!child) continue;
    return {
      stateMachineArn: arn,
      name: child.stateMachineName.split('/')[0],
      status: 'ACTIVE',
      definition: child.definitionText,
      roleArn: child.roleArn,
      type: child.type,
      creationDate: wireTime(run.startDate),
      label: child.stateMachineName.split('/')[1],
    };
  }
  throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
}

/** A validation problem as ValidateStateMachineDefinition reports it (`CODE: message at /path`). */
function diagnostic(problem: string): {
  severity: 'ERROR';
  code: string;
  message: string;
  location?: string;
} {
  const m = /^([A-Z_]+): (.*?)(?: at (\/\S*))?$/s.exec(problem);
  if (!m) return { severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: problem };
  return { severity: 'ERROR', code: m[1]!, message: m[2]!, ...(m[3] ? { location: m[3] } : {}) };
}
