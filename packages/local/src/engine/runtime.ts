/**
 * What a running state sees: the engine's services (clock, activity store, S3, ECS, local
 * functions), the execution it belongs to, its abort signal, its variable scope and the
 * query language in force. Narrow interfaces, so interpreter tests pass plain objects.
 */
import type { Logger } from 'pino';
import type { ActivityScheduler } from '../activities/types.ts';
import type { Clock } from '../clock.ts';
import type { S3Store } from '../s3/types.ts';
import type { JsonOperation } from '../service.ts';
import type { QueryLanguage, StateDefinition, StateMachineDefinition } from './definition.ts';
import type { History } from './history.ts';
import type { VariableScope } from './variables.ts';

/** The parts of the S3 store the engine uses (ItemReader, ResultWriter, aws-sdk:s3 tasks). */
export type EngineS3 = Pick<
  S3Store,
  'getObject' | 'putObject' | 'headObject' | 'deleteObject' | 'listObjects' | 'iterateObjects'
>;

/** The ECS service's operations, called in process for `aws-sdk:ecs:*` tasks. */
export interface EngineEcs {
  readonly operations: Readonly<Record<string, JsonOperation>>;
}

/** The services an engine runs with. */
export interface EngineServices {
  readonly clock: Clock;
  readonly accountId: string;
  readonly activities: ActivityScheduler;
  readonly s3?: EngineS3;
  readonly ecs?: EngineEcs;
  /** Local Lambda functions: function name → module path whose default export handles the event. */
  readonly functions: Readonly<Record<string, string>>;
  readonly logger?: Logger;
}

/** The identity of an execution, as the context object (`$$.Execution`, `$$.StateMachine`) shows it. */
export interface ExecutionIdentity {
  readonly arn: string;
  readonly name: string;
  readonly region: string;
  readonly roleArn: string;
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly startDate: number;
  readonly inputValue: unknown;
  readonly history: History;
  readonly definition: StateMachineDefinition;
}

/** Starts a Distributed Map's Map Run; provided by the engine (it owns the registries). */
export type MapRunLauncher = (request: MapRunRequest) => Promise<unknown>;

/** What the Map state hands to the Map Run. */
export interface MapRunRequest {
  readonly stateName: string;
  readonly state: StateDefinition;
  /** The state's effective input (after InputPath / with $states.input). */
  readonly input: unknown;
  readonly env: RunEnv;
  /** The context object at the Map state (for ItemSelector's `$$`). */
  readonly context: Record<string, unknown>;
}

/** Everything a state needs to run. */
export interface RunEnv {
  readonly services: EngineServices;
  readonly execution: ExecutionIdentity;
  readonly signal: AbortSignal;
  readonly variables: VariableScope;
  readonly language: QueryLanguage;
  readonly launchMapRun: MapRunLauncher;
  /** `$$.Map.Item` while evaluating an ItemSelector, and nothing else. */
  readonly extraContext?: Record<string, unknown>;
}

/** Builds the context object (`$$`) for a state. */
export function contextObject(
  env: RunEnv,
  stateName: string,
  enteredTime: string,
  retryCount: number,
): Record<string, unknown> {
  const e = env.execution;
  return {
    Execution: {
      Id: e.arn,
      Input: e.inputValue,
      Name: e.name,
      RoleArn: e.roleArn,
      StartTime: new Date(e.startDate).toISOString(),
      RedriveCount: 0,
    },
    State: { EnteredTime: enteredTime, Name: stateName, RetryCount: retryCount },
    StateMachine: { Id: e.stateMachineArn, Name: e.stateMachineName },
    ...env.extraContext,
  };
}
