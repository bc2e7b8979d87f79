/**
 * The local Step Functions engine: state machines, executions, the Amazon States Language
 * (JSONPath and JSONata), Retry/Catch, activities, service integrations and Distributed Map.
 * The backend merges {@link LocalEngine.operations} into its `AWSStepFunctions` JSON service.
 */
import type { Logger } from 'pino';
import type { ActivityScheduler } from '../activities/types.ts';
import type { Clock } from '../clock.ts';
import type { JsonOperation } from '../service.ts';
import { Engine } from './engine.ts';
import { executionOperations } from './execution-operations.ts';
import { mapRunOperations } from './map-run-operations.ts';
import type { EngineEcs, EngineS3 } from './runtime.ts';
import { stateMachineOperations } from './state-machine-operations.ts';

/** What the engine is built from. */
export interface EngineOptions {
  /** The backend clock: every Wait, retry interval and task timeout runs on it. */
  readonly clock: Clock;
  readonly accountId: string;
  /** Activity tasks and `.waitForTaskToken` callbacks. */
  readonly activities: ActivityScheduler;
  /** The local S3 store (ItemReader, ResultWriter, `aws-sdk:s3:*`). @defaultValue none: those fail at run time */
  readonly s3?: EngineS3;
  /** The local ECS service (`aws-sdk:ecs:*`). @defaultValue none: those fail at run time */
  readonly ecs?: EngineEcs;
  /** Function name → module path, for `arn:aws:states:::lambda:invoke`. @defaultValue `{}` */
  readonly functions?: Readonly<Record<string, string>>;
  readonly logger?: Logger;
}

/** A running engine. */
export interface LocalEngine {
  /** The Step Functions operations the engine serves, by name. */
  readonly operations: Record<string, JsonOperation>;
  /** Aborts every running execution and waits for them to close. Idempotent. */
  close(): Promise<void>;
}

/**
 * Creates the engine.
 * @example
 * const engine = createEngine({ clock, accountId, activities, s3: s3.store, ecs, functions: {}, logger });
 * Object.assign(stateOperations, engine.operations);
 */
export function createEngine(options: EngineOptions): LocalEngine {
  const engine = new Engine({
    clock: options.clock,
    accountId: options.accountId,
    activities: options.activities,
    s3: options.s3,
    ecs: options.ecs,
    functions: options.functions ?? {},
    logger: options.logger,
  });
  return {
    operations: {
      ...stateMachineOperations(engine),
      ...executionOperations(engine),
      ...mapRunOperations(engine),
    },
    close: () => engine.close(),
  };
}

export type { EngineEcs, EngineS3 } from './runtime.ts';
export { validateDefinition } from './validate.ts';
