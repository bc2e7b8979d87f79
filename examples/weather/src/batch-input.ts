/**
 * The job's `BatchInput` (the same object for every batch and for the aggregate step), checked
 * field by field: a bad field fails with `Input.Invalid` naming it, in the first batch.
 */
import type { StandardSchemaV1 } from '@stepfleet/worker/handler';
import { WeatherInputError } from './errors.ts';

/**
 * The fault test mode: what the handler does wrong on purpose, for the fault suite. Faults fire
 * on attempts below `attempts` (so a retry can succeed), on every attempt when it is left out.
 */
export interface WeatherFaults {
  /** Items (by key) whose processing throws `Weather.InjectedFault`: reported as failed items. */
  readonly throwOnKeys?: readonly string[];
  /** An item (by key) whose processing hangs until its signal aborts (deadline, lost task, shutdown). */
  readonly hangOnKey?: string;
  /** An item (by key) whose processing kills its handler thread: the batch fails `Worker.Crashed`. */
  readonly crashThreadOnKey?: string;
  /**
   * How the thread dies: `exit` calls `process.exit(70)` in the thread; `uncaught` throws from a
   * timer, outside any promise.
   * @defaultValue 'exit'
   */
  readonly crashMode?: 'exit' | 'uncaught';
  /** Faults fire while the task's attempt (`$$.State.RetryCount`) is below this. @defaultValue every attempt */
  readonly attempts?: number;
}

/** The BatchInput as given. */
export interface WeatherBatchInput {
  /** The bucket of the station files (listObjectsV2 items carry no bucket). @defaultValue the worker's data bucket */
  readonly itemsBucket?: string;
  /**
   * Failed items (corrupt, missing, injected faults, items of failed batches) the aggregate step
   * tolerates, as a percentage of all items. More fail the aggregate with `Weather.TooManyFailedItems`.
   * @defaultValue 0
   */
  readonly toleratedFailurePercentage?: number;
  /** The fault test mode (off when absent). */
  readonly faults?: WeatherFaults;
}

/** The BatchInput with its defaults. */
export interface ResolvedWeatherBatchInput {
  readonly itemsBucket: string | undefined;
  readonly toleratedFailurePercentage: number;
  readonly faults: WeatherFaults | undefined;
}

const FIELDS = ['itemsBucket', 'toleratedFailurePercentage', 'faults'];
const FAULT_FIELDS = ['throwOnKeys', 'hangOnKey', 'crashThreadOnKey', 'crashMode', 'attempts'];

/** A problem with one field: its path under BatchInput and what is wrong. */
interface Issue {
  readonly path: readonly string[];
  readonly message: string;
}

/**
 * The BatchInput as a Standard Schema, for the worker SDK's `batchInputSchema`: a bad BatchInput
 * fails the whole task with `Input.Invalid` (naming each field) before any item runs.
 */
export const weatherBatchInputSchema: StandardSchemaV1<unknown, ResolvedWeatherBatchInput> = {
  '~standard': {
    version: 1,
    vendor: 'stepfleet-example-weather',
    validate(value) {
      const issues = check(value);
      return issues.length > 0 ? { issues } : { value: resolved(value) };
    },
  },
};

/** Checks and completes a BatchInput; throws {@link WeatherInputError} naming every bad field. */
export function resolveWeatherBatchInput(value: unknown): ResolvedWeatherBatchInput {
  const issues = check(value);
  if (issues.length > 0) {
    throw new WeatherInputError(
      issues.map((i) => `BatchInput${i.path.map((p) => `.${p}`).join('')}: ${i.message}`).join('; '),
    );
  }
  return resolved(value);
}

function resolved(value: unknown): ResolvedWeatherBatchInput {
  const input = (value ?? {}) as WeatherBatchInput;
  return {
    itemsBucket: input.itemsBucket,
    toleratedFailurePercentage: input.toleratedFailurePercentage ?? 0,
    faults: input.faults,
  };
}

function check(value: unknown): Issue[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) return [{ path: [], message: 'must be an object' }];
  const input = value as Record<string, unknown>;
  const issues: Issue[] = unknownFields(input, FIELDS, []);
  const { itemsBucket, toleratedFailurePercentage: tolerated, faults } = input;
  if (itemsBucket !== undefined && (typeof itemsBucket !== 'string' || itemsBucket === '')) {
    issues.push({ path: ['itemsBucket'], message: 'must be a bucket name' });
  }
  if (tolerated !== undefined && !(typeof tolerated === 'number' && tolerated >= 0 && tolerated <= 100)) {
    issues.push({
      path: ['toleratedFailurePercentage'],
      message: `must be a number in [0, 100], got ${JSON.stringify(tolerated)}`,
    });
  }
  if (faults !== undefined) issues.push(...checkFaults(faults));
  return issues;
}

function checkFaults(faults: unknown): Issue[] {
  const at = (field: string, message: string): Issue => ({ path: ['faults', field], message });
  if (typeof faults !== 'object' || faults === null || Array.isArray(faults)) {
    return [{ path: ['faults'], message: 'must be an object' }];
  }
  const f = faults as Record<string, unknown>;
  const issues = unknownFields(f, FAULT_FIELDS, ['faults']);
  const { throwOnKeys, crashMode, attempts } = f;
  if (
    throwOnKeys !== undefined &&
    !(Array.isArray(throwOnKeys) && throwOnKeys.every((k) => typeof k === 'string'))
  ) {
    issues.push(at('throwOnKeys', 'must be an array of keys'));
  }
  for (const field of ['hangOnKey', 'crashThreadOnKey']) {
    if (f[field] !== undefined && typeof f[field] !== 'string') issues.push(at(field, 'must be a key'));
  }
  if (crashMode !== undefined && crashMode !== 'exit' && crashMode !== 'uncaught') {
    issues.push(at('crashMode', `must be 'exit' or 'uncaught', got ${JSON.stringify(crashMode)}`));
  }
  if (attempts !== undefined && !(Number.isInteger(attempts) && (attempts as number) >= 1)) {
    issues.push(at('attempts', `must be an integer >= 1, got ${JSON.stringify(attempts)}`));
  }
  return issues;
}

function unknownFields(object: Record<string, unknown>, known: readonly string[], path: string[]): Issue[] {
  return Object.keys(object)
    .filter((k) => !known.includes(k))
    .map((k) => ({ path: [...path, k], message: `is not a field (known: ${known.join(', ')})` }));
}
