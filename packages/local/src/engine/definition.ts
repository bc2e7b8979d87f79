/**
 * The shape of an Amazon States Language definition, as far as the engine reads it. The
 * validator ({@link validateDefinition}) guarantees these shapes before the interpreter sees a
 * definition, so the interpreter reads fields without re-checking them.
 */

/** `JSONPath` (the default) or `JSONata`. */
export type QueryLanguage = 'JSONPath' | 'JSONata';

/** A Retrier as written. */
export interface RetrierDefinition {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
  readonly Comment?: string;
}

/** A Catcher as written. */
export interface CatcherDefinition {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
  readonly Output?: unknown;
  readonly Assign?: Record<string, unknown>;
  readonly Comment?: string;
}

/** A Choice rule (JSONPath comparison or JSONata Condition), with Next at the top level. */
export type ChoiceRuleDefinition = Record<string, unknown> & {
  readonly Next?: string;
  readonly Condition?: string;
  readonly Output?: unknown;
  readonly Assign?: Record<string, unknown>;
};

/** A Map's processor (ItemProcessor, or the legacy Iterator). */
export interface ProcessorDefinition extends StatesContainer {
  readonly ProcessorConfig?: {
    readonly Mode?: 'INLINE' | 'DISTRIBUTED';
    readonly ExecutionType?: 'STANDARD' | 'EXPRESS';
  };
}

/** Anything with StartAt and States: a state machine, a Parallel branch, a Map processor. */
export interface StatesContainer {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, StateDefinition>>;
  readonly QueryLanguage?: QueryLanguage;
  readonly Comment?: string;
}

/** A whole state machine definition. */
export interface StateMachineDefinition extends StatesContainer {
  readonly TimeoutSeconds?: number;
  readonly Version?: string;
}

/** The Distributed Map's ItemReader. */
export interface ItemReaderDefinition {
  readonly Resource: string;
  readonly Parameters?: Record<string, unknown>;
  readonly Arguments?: unknown;
  readonly ReaderConfig?: {
    readonly InputType?: 'CSV' | 'JSON' | 'JSONL' | 'MANIFEST';
    readonly CSVHeaderLocation?: 'FIRST_ROW' | 'GIVEN';
    readonly CSVHeaders?: readonly string[];
    readonly CSVDelimiter?: 'COMMA' | 'PIPE' | 'SEMICOLON' | 'SPACE' | 'TAB';
    readonly MaxItems?: number | string;
    readonly MaxItemsPath?: string;
  };
}

/** The Distributed Map's ItemBatcher. */
export interface ItemBatcherDefinition {
  readonly MaxItemsPerBatch?: number | string;
  readonly MaxItemsPerBatchPath?: string;
  readonly MaxInputBytesPerBatch?: number | string;
  readonly MaxInputBytesPerBatchPath?: string;
  readonly BatchInput?: unknown;
}

/** The Distributed Map's ResultWriter. */
export interface ResultWriterDefinition {
  readonly Resource: string;
  readonly Parameters?: Record<string, unknown>;
  readonly Arguments?: unknown;
}

/** One state. Which fields are set depends on Type; the validator enforces the combinations. */
export interface StateDefinition {
  readonly Type: 'Pass' | 'Task' | 'Choice' | 'Wait' | 'Succeed' | 'Fail' | 'Parallel' | 'Map';
  readonly Comment?: string;
  readonly QueryLanguage?: QueryLanguage;
  readonly Next?: string;
  readonly End?: boolean;
  readonly InputPath?: string | null;
  readonly OutputPath?: string | null;
  readonly Parameters?: unknown;
  readonly ResultPath?: string | null;
  readonly ResultSelector?: unknown;
  readonly Result?: unknown;
  readonly Arguments?: unknown;
  readonly Output?: unknown;
  readonly Assign?: Record<string, unknown>;
  readonly Resource?: string;
  readonly TimeoutSeconds?: number | string;
  readonly TimeoutSecondsPath?: string;
  readonly HeartbeatSeconds?: number | string;
  readonly HeartbeatSecondsPath?: string;
  readonly Retry?: readonly RetrierDefinition[];
  readonly Catch?: readonly CatcherDefinition[];
  readonly Choices?: readonly ChoiceRuleDefinition[];
  readonly Default?: string;
  readonly Seconds?: number | string;
  readonly Timestamp?: string;
  readonly SecondsPath?: string;
  readonly TimestampPath?: string;
  readonly Error?: string;
  readonly Cause?: string;
  readonly ErrorPath?: string;
  readonly CausePath?: string;
  readonly Branches?: readonly StatesContainer[];
  readonly ItemProcessor?: ProcessorDefinition;
  readonly Iterator?: ProcessorDefinition;
  readonly ItemsPath?: string;
  readonly Items?: unknown;
  readonly ItemSelector?: unknown;
  readonly MaxConcurrency?: number | string;
  readonly MaxConcurrencyPath?: string;
  readonly ItemReader?: ItemReaderDefinition;
  readonly ItemBatcher?: ItemBatcherDefinition;
  readonly ResultWriter?: ResultWriterDefinition;
  readonly ToleratedFailurePercentage?: number | string;
  readonly ToleratedFailurePercentagePath?: string;
  readonly ToleratedFailureCount?: number | string;
  readonly ToleratedFailureCountPath?: string;
  readonly Label?: string;
}

/** The processor of a Map state (ItemProcessor, or Iterator in older definitions). */
export const processorOf = (state: StateDefinition): ProcessorDefinition =>
  (state.ItemProcessor ?? state.Iterator) as ProcessorDefinition;

/** Whether a Map state runs as a Distributed Map. */
export const isDistributed = (state: StateDefinition): boolean =>
  processorOf(state)?.ProcessorConfig?.Mode === 'DISTRIBUTED';
