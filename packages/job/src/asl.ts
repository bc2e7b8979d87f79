/**
 * The subset of the Amazon States Language (JSONPath flavour) the generator emits, typed so
 * tests and the CDK construct can walk a definition without casts.
 * Reference: https://states-language.net/spec.html and
 * https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
 */

import type { JsonObject } from './job-spec.ts';

/** A `Retry` entry. */
export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

/** A `Catch` entry. */
export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
}

interface StateBase {
  readonly Comment?: string;
  readonly Next?: string;
  readonly End?: true;
}

/** A Pass state. */
export interface PassState extends StateBase {
  readonly Type: 'Pass';
  readonly Parameters?: JsonObject;
  readonly ResultPath?: string | null;
}

/** A Task state: an activity, `lambda:invoke` or an `aws-sdk` integration. */
export interface TaskState extends StateBase {
  readonly Type: 'Task';
  readonly Resource: string;
  readonly Parameters?: JsonObject;
  readonly ResultSelector?: JsonObject;
  readonly ResultPath?: string | null;
  readonly TimeoutSeconds: number;
  readonly HeartbeatSeconds?: number;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
}

/** `ItemReader` of a Distributed Map. */
export interface ItemReader {
  readonly Resource: 'arn:aws:states:::s3:listObjectsV2' | 'arn:aws:states:::s3:getObject';
  readonly Parameters: JsonObject;
  readonly ReaderConfig?: JsonObject;
}

/** A Map state in DISTRIBUTED mode. */
export interface DistributedMapState extends StateBase {
  readonly Type: 'Map';
  readonly ItemReader: ItemReader;
  readonly ItemBatcher: {
    readonly MaxItemsPerBatch: number;
    readonly MaxInputBytesPerBatch: number;
    readonly BatchInput: JsonObject;
  };
  readonly MaxConcurrency: number;
  readonly ToleratedFailurePercentage?: number;
  readonly ToleratedFailureCount?: number;
  readonly ResultWriter: {
    readonly Resource: 'arn:aws:states:::s3:putObject';
    readonly Parameters: { readonly Bucket: string; readonly Prefix: string };
  };
  readonly ItemProcessor: {
    readonly ProcessorConfig: { readonly Mode: 'DISTRIBUTED'; readonly ExecutionType: 'STANDARD' };
    readonly StartAt: string;
    readonly States: Readonly<Record<string, State>>;
  };
  readonly ResultPath?: string | null;
  readonly Catch?: readonly Catcher[];
}

/** A Succeed state. */
export interface SucceedState {
  readonly Type: 'Succeed';
  readonly Comment?: string;
}

/** A Fail state taking its error and cause from its input (`ErrorPath` / `CausePath`). */
export interface FailState {
  readonly Type: 'Fail';
  readonly Comment?: string;
  readonly ErrorPath?: string;
  readonly CausePath?: string;
  readonly Error?: string;
  readonly Cause?: string;
}

/** Any state the generator emits. */
export type State = PassState | TaskState | DistributedMapState | SucceedState | FailState;

/** A whole state machine definition, as CDK embeds it and CreateStateMachine receives it. */
export interface StateMachineDefinition {
  readonly Comment: string;
  readonly QueryLanguage: 'JSONPath';
  readonly StartAt: string;
  readonly TimeoutSeconds: number;
  readonly States: Readonly<Record<string, State>>;
}
