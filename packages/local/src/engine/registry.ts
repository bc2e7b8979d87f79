/**
 * Where the engine keeps its state machines, executions and Map Runs, with the indexes the
 * List* operations read (executions per state machine and per Map Run, Map Runs per execution).
 */
import type { StateMachineDefinition } from './definition.ts';
import type { Execution } from './execution.ts';
import type { MapRun } from './map-run.ts';

/** A state machine as the engine stores it. */
export interface StateMachineRecord {
  readonly arn: string;
  readonly name: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  definitionText: string;
  definition: StateMachineDefinition;
  roleArn: string;
  readonly creationDate: number;
  updateDate: number | undefined;
  revisionId: string;
  loggingConfiguration: unknown;
  tracingConfiguration: unknown;
  status: 'ACTIVE' | 'DELETING';
}

/** The engine's in-memory store. */
export class Registry {
  readonly stateMachines = new Map<string, StateMachineRecord>();
  readonly executions = new Map<string, Execution>();
  /** Top-level executions per state machine ARN, in start order. */
  readonly executionsByMachine = new Map<string, Execution[]>();
  readonly mapRuns = new Map<string, MapRun>();
  /** Map Runs per parent execution ARN, in start order. */
  readonly mapRunsByExecution = new Map<string, MapRun[]>();

  /** Records a top-level execution. */
  addExecution(execution: Execution): void {
    this.executions.set(execution.arn, execution);
    if (!execution.mapRunArn) {
      const list = this.executionsByMachine.get(execution.stateMachineArn) ?? [];
      list.push(execution);
      this.executionsByMachine.set(execution.stateMachineArn, list);
    }
  }

  /** Records a Map Run under its parent execution. */
  addMapRun(run: MapRun): void {
    this.mapRuns.set(run.arn, run);
    const list = this.mapRunsByExecution.get(run.executionArn) ?? [];
    list.push(run);
    this.mapRunsByExecution.set(run.executionArn, list);
  }

  /** Every execution still running (top-level and children). */
  running(): Execution[] {
    return [...this.executions.values()].filter((e) => e.status === 'RUNNING');
  }
}
