/**
 * StartExecution, DescribeExecution, ListExecutions, StopExecution, GetExecutionHistory and
 * DescribeStateMachineForExecution, with name idempotency and errors as the Step Functions API.
 */
import { randomUUID } from 'node:crypto';
import { AwsError, validationError } from '../aws-error.ts';
import type { JsonOperation } from '../service.ts';
import { assertValidName, executionArn, parseStatesArn } from './arns.ts';
import type { Engine } from './engine.ts';
import type { Execution } from './execution.ts';
import { toWire } from './history.ts';
import { optionalInteger, optionalString, paginate, wireTime } from './params.ts';
import { findStateMachine } from './state-machine-operations.ts';
import { MAX_PAYLOAD_BYTES } from './task.ts';

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

/** Finds an execution or throws ExecutionDoesNotExist. */
export function findExecution(engine: Engine, arn: unknown): Execution {
  parseStatesArn(arn, 'execution');
  const execution = engine.registry.executions.get(arn as string);
  if (!execution) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(arn)}'`);
  return execution;
}

/** The ListExecutions entry of an execution. */
function executionListItem(e: Execution): Record<string, unknown> {
  return {
    executionArn: e.arn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: wireTime(e.startDate),
    ...(e.stopDate !== undefined ? { stopDate: wireTime(e.stopDate) } : {}),
    ...(e.mapRunArn ? { mapRunArn: e.mapRunArn } : {}),
  };
}

/** Parses execution input text, refusing what Step Functions refuses. */
function parseInput(text: string): unknown {
  if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
    throw new AwsError(
      'InvalidExecutionInput',
      `Invalid execution input: the input is larger than ${MAX_PAYLOAD_BYTES} bytes`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AwsError('InvalidExecutionInput', `Invalid execution input: ${(error as Error).message}`);
  }
}

/** The execution operations of the Step Functions API. */
export function executionOperations(engine: Engine): Record<string, JsonOperation> {
  const { registry } = engine;
  return {
    StartExecution(input, ctx) {
      if (engine.closing) throw new AwsError('ServiceUnavailable', 'The local backend is shutting down', 503);
      const machine = findStateMachine(engine, input.stateMachineArn);
      const name = input.name === undefined ? randomUUID() : assertValidName(input.name, 'execution');
      const inputText = optionalString(input, 'input') ?? '{}';
      const inputValue = parseInput(inputText);
      const arn = executionArn(ctx.region, ctx.accountId, machine.name, name, machine.type === 'EXPRESS');
      const existing = registry.executions.get(arn);
      if (existing) {
        if (existing.status === 'RUNNING' && existing.input === inputText) {
          return { executionArn: arn, startDate: wireTime(existing.startDate) };
        }
        throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
      }
      const execution = engine.startExecution({
        arn,
        name,
        region: ctx.region,
        roleArn: machine.roleArn,
        stateMachineArn: machine.arn,
        stateMachineName: machine.name,
        definition: machine.definition,
        definitionText: machine.definitionText,
        input: inputText,
        inputValue,
        type: machine.type,
      });
      return { executionArn: arn, startDate: wireTime(execution.startDate) };
    },

    DescribeExecution(input) {
      const e = findExecution(engine, input.executionArn);
      return {
        ...executionListItem(e),
        input: e.input,
        inputDetails: { included: true },
        ...(e.output !== undefined ? { output: e.output, outputDetails: { included: true } } : {}),
        ...(e.error !== undefined ? { error: e.error } : {}),
        ...(e.cause !== undefined ? { cause: e.cause } : {}),
        redriveCount: 0,
        redriveStatus: 'NOT_REDRIVABLE',
      };
    },

    ListExecutions(input) {
      const machineArn = optionalString(input, 'stateMachineArn');
      const mapRunArn = optionalString(input, 'mapRunArn');
      if ((machineArn === undefined) === (mapRunArn === undefined)) {
        throw validationError('Exactly one of stateMachineArn and mapRunArn must be specified');
      }
      const status = optionalString(input, 'statusFilter');
      if (status !== undefined && !STATUSES.includes(status))
        throw validationError(
          `Value '${status}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUSES.join(', ')}]`,
        );
      if (input.redriveFilter !== undefined)
        throw validationError('redriveFilter is not supported by stepfleet local');
      let list: readonly Execution[];
      if (mapRunArn !== undefined) {
        parseStatesArn(mapRunArn, 'mapRun');
        const run = registry.mapRuns.get(mapRunArn);
        if (!run) throw new AwsError('ResourceNotFound', `Resource not found: '${mapRunArn}'`);
        list = run.children;
      } else {
        const machine = findStateMachine(engine, machineArn);
        list = registry.executionsByMachine.get(machine.arn) ?? [];
      }
      const filtered = [...list].reverse().filter((e) => status === undefined || e.status === status);
      const { page, nextToken } = paginate(filtered, input);
      return { executions: page.map(executionListItem), ...(nextToken ? { nextToken } : {}) };
    },

    async StopExecution(input) {
      const e = findExecution(engine, input.executionArn);
      const error = optionalString(input, 'error');
      const cause = optionalString(input, 'cause');
      if (error !== undefined && error.length > 256)
        throw validationError(
          "Value at 'error' failed to satisfy constraint: Member must have length less than or equal to 256",
        );
      if (cause !== undefined && cause.length > 32_768)
        throw validationError(
          "Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to 32768",
        );
      await e.stop(error, cause);
      return { stopDate: wireTime(e.stopDate ?? engine.services.clock.now()) };
    },

    GetExecutionHistory(input) {
      const e = findExecution(engine, input.executionArn);
      optionalInteger(input, 'maxResults', 0, 1000);
      const includeData = input.includeExecutionData !== false;
      const events = input.reverseOrder === true ? [...e.history.events].reverse() : e.history.events;
      const { page, nextToken } = paginate(events, input);
      return { events: page.map((ev) => toWire(ev, includeData)), ...(nextToken ? { nextToken } : {}) };
    },

    DescribeStateMachineForExecution(input) {
      const e = findExecution(engine, input.executionArn);
      return {
        stateMachineArn: e.stateMachineArn,
        name: e.stateMachineName,
        definition: e.definitionText,
        roleArn: e.roleArn,
        updateDate: wireTime(e.startDate),
        ...(e.mapRunArn ? { mapRunArn: e.mapRunArn, label: e.stateMachineName.split('/')[1] } : {}),
      };
    },
  };
}
