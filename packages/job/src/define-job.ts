import { Checker, describe, isPlainObject, join } from './checker.ts';
import { JobSpecError } from './errors.ts';
import { describeFargateMemory, FARGATE_CPU_VALUES, isValidFargateSize } from './fargate.ts';
import type { CapacityStrategy, JobSpec, JobSpecInput, JsonObject } from './job-spec.ts';
import {
  ENVELOPE_RESERVE_BYTES,
  MAX_BATCH_BYTES,
  MAX_CAPACITY_BASE,
  MAX_CAPACITY_WEIGHT,
  MAX_DISTRIBUTED_CONCURRENCY,
  MAX_EXECUTION_SECONDS,
  MAX_ITEMS_PER_BATCH,
  MAX_JOB_NAME_CHARS,
  MAX_PAYLOAD_BYTES,
  MAX_READER_ITEMS,
  MAX_STATES_SECONDS,
  MAX_STOP_TIMEOUT_SECONDS,
  MAX_TASKS_PER_SERVICE,
  MAX_THREADS_PER_WORKER,
} from './limits.ts';
import { defaultTimeoutSeconds } from './planning.ts';
import { resolveItemSource } from './resolve-item-source.ts';
import { resolveRetry } from './resolve-retry.ts';
import { bucketNameProblem, keyProblem } from './s3-names.ts';

const JOB_NAME = new RegExp(`^[a-z](?:[a-z0-9-]{0,${MAX_JOB_NAME_CHARS - 2}}[a-z0-9])?$`);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Ready-made capacity strategies of the simple `fleet.capacity` modes. */
export const CAPACITY_MODES: Readonly<Record<'on-demand' | 'spot' | 'mixed', CapacityStrategy>> =
  Object.freeze({
    'on-demand': Object.freeze({ onDemandBase: 0, onDemandWeight: 1, spotWeight: 0 }),
    spot: Object.freeze({ onDemandBase: 0, onDemandWeight: 0, spotWeight: 1 }),
    // One on-demand worker always runs, so a run progresses when Spot has no capacity.
    mixed: Object.freeze({ onDemandBase: 1, onDemandWeight: 1, spotWeight: 3 }),
  });

/** Activity clocks when the spec sets none. */
export const DEFAULT_TASK_TIMEOUT_SECONDS = 3_600;
/** Heartbeat interval when the spec sets none (or half the timeout when that is shorter). */
export const DEFAULT_HEARTBEAT_SECONDS = 60;

const TOP_FIELDS = [
  'name',
  'items',
  'batching',
  'maxConcurrency',
  'toleratedFailure',
  'retry',
  'activity',
  'results',
  'aggregate',
  'worker',
  'fleet',
  'timeoutSeconds',
];

/**
 * Checks a job spec and fills in every default. Every problem is collected and thrown at once
 * as one {@link JobSpecError} whose issues name their fields.
 *
 * @example
 * ```ts
 * const job = defineJob({
 *   name: 'credit-stress',
 *   items: { type: 'jsonl', key: 'portfolios/2026-11.jsonl' },
 *   batching: { maxItems: 50, batchInput: { scenarios: 10_000 } },
 *   worker: { handler: 'dist/handler.js', cpu: 2048, memoryMiB: 4096 },
 *   fleet: { maxWorkers: 20, capacity: 'mixed' },
 *   aggregate: true,
 * });
 * ```
 * @throws JobSpecError when the spec is invalid
 */
export function defineJob(input: JobSpecInput): JobSpec {
  const c = new Checker();
  const spec = c.object('', input, TOP_FIELDS, false);
  if (!spec) throw new JobSpecError(c.issues);
  const name = c.string('name', spec.name, undefined, (s) =>
    JOB_NAME.test(s)
      ? undefined
      : `must be 1-${MAX_JOB_NAME_CHARS} lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen, got ${describe(s)}`,
  );
  const items = resolveItemSource(c, spec.items);
  const worker = resolveWorker(c, spec.worker);
  const fleet = resolveFleet(c, spec.fleet);
  const batching = resolveBatching(c, spec.batching);
  const maxConcurrency = resolveConcurrency(c, spec.maxConcurrency, worker, fleet);
  const tolerated = c.object('toleratedFailure', spec.toleratedFailure, ['percentage', 'count']);
  const toleratedFailure = tolerated && {
    percentage: c.number('toleratedFailure.percentage', tolerated.percentage, { min: 0, max: 100 }, 0),
    count: c.integer('toleratedFailure.count', tolerated.count, { min: 0, max: MAX_READER_ITEMS }, 0),
  };
  const retry = resolveRetry(c, 'retry', spec.retry);
  const activity = resolveClocks(c, 'activity', spec.activity, ['timeoutSeconds', 'heartbeatSeconds']);
  const results = resolveResults(c, spec.results, name);
  const aggregate = resolveAggregate(c, spec.aggregate, worker?.handler, retry);
  const timeoutBounds = { min: 1, max: MAX_EXECUTION_SECONDS };
  const timeoutSeconds =
    spec.timeoutSeconds === undefined
      ? undefined
      : c.integer('timeoutSeconds', spec.timeoutSeconds, timeoutBounds);
  if (c.issues.length > 0) throw new JobSpecError(c.issues);

  const resolved = {
    name: name!,
    items: items!,
    batching: batching!,
    maxConcurrency: maxConcurrency!,
    toleratedFailure: toleratedFailure as JobSpec['toleratedFailure'],
    retry: retry!,
    activity: activity!,
    results: results!,
    ...(aggregate ? { aggregate } : {}),
    worker: worker!,
    fleet: fleet!,
  };
  return deepFreeze({ ...resolved, timeoutSeconds: timeoutSeconds ?? defaultTimeoutSeconds(resolved) });
}

function resolveWorker(c: Checker, input: unknown): JobSpec['worker'] | undefined {
  const o = c.object(
    'worker',
    input,
    ['handler', 'cpu', 'memoryMiB', 'threads', 'stopTimeoutSeconds', 'environment'],
    false,
  );
  if (!o) return undefined;
  const handler = c.string('worker.handler', o.handler, undefined, (s) =>
    s.trim() === '' ? 'must name the handler module' : undefined,
  );
  const cpuUnits = c.oneOf('worker.cpu', o.cpu, FARGATE_CPU_VALUES, 1024);
  // 2 MiB per CPU unit is a valid Fargate size for every CPU value.
  const memoryMiB = c.integer(
    'worker.memoryMiB',
    o.memoryMiB,
    { min: 512, max: 122_880 },
    (cpuUnits ?? 1024) * 2,
  );
  if (cpuUnits !== undefined && memoryMiB !== undefined && !isValidFargateSize(cpuUnits, memoryMiB)) {
    c.report(
      'worker.memoryMiB',
      `must be a Fargate memory size for cpu ${cpuUnits} (${describeFargateMemory(cpuUnits)}), got ${memoryMiB}`,
    );
  }
  const threads = c.integer(
    'worker.threads',
    o.threads,
    { min: 1, max: MAX_THREADS_PER_WORKER },
    Math.max(1, Math.floor((cpuUnits ?? 1024) / 1024)),
  );
  const stopTimeoutSeconds = c.integer(
    'worker.stopTimeoutSeconds',
    o.stopTimeoutSeconds,
    { min: 1, max: MAX_STOP_TIMEOUT_SECONDS },
    MAX_STOP_TIMEOUT_SECONDS,
  );
  const environment = resolveEnvironment(c, o.environment);
  if (!handler || cpuUnits === undefined || !memoryMiB || !threads || !stopTimeoutSeconds || !environment) {
    return undefined;
  }
  return { handler, cpu: cpuUnits, memoryMiB, threads, stopTimeoutSeconds, environment };
}

function resolveEnvironment(c: Checker, input: unknown): Readonly<Record<string, string>> | undefined {
  if (input === undefined) return {};
  if (!isPlainObject(input)) {
    c.report('worker.environment', `must be an object of strings, got ${describe(input)}`);
    return undefined;
  }
  const before = c.issues.length;
  for (const [key, value] of Object.entries(input)) {
    const at = join('worker.environment', key);
    if (!ENV_NAME.test(key)) c.report(at, 'is not a valid environment variable name');
    else if (typeof value !== 'string') c.report(at, `must be a string, got ${describe(value)}`);
  }
  return c.issues.length === before ? { ...(input as Record<string, string>) } : undefined;
}

function resolveFleet(c: Checker, input: unknown): JobSpec['fleet'] | undefined {
  const o = c.object('fleet', input, ['minWorkers', 'maxWorkers', 'capacity']);
  if (!o) return undefined;
  const minWorkers = c.integer('fleet.minWorkers', o.minWorkers, { min: 0, max: MAX_TASKS_PER_SERVICE }, 0);
  const maxWorkers = c.integer('fleet.maxWorkers', o.maxWorkers, { min: 1, max: MAX_TASKS_PER_SERVICE }, 10);
  if (minWorkers !== undefined && maxWorkers !== undefined && minWorkers > maxWorkers) {
    c.report('fleet.minWorkers', `must be at most fleet.maxWorkers (${maxWorkers}), got ${minWorkers}`);
  }
  const capacity = resolveCapacity(c, o.capacity);
  if (minWorkers === undefined || maxWorkers === undefined || !capacity) return undefined;
  return { minWorkers, maxWorkers, capacity };
}

function resolveCapacity(c: Checker, input: unknown): CapacityStrategy | undefined {
  const path = 'fleet.capacity';
  if (input === undefined) return CAPACITY_MODES.mixed;
  if (typeof input === 'string') {
    const mode = c.oneOf(path, input, ['on-demand', 'spot', 'mixed'] as const);
    return mode && CAPACITY_MODES[mode];
  }
  const o = c.object(path, input, ['onDemandBase', 'onDemandWeight', 'spotWeight'], false);
  if (!o) return undefined;
  const weight = { min: 0, max: MAX_CAPACITY_WEIGHT };
  const onDemandBase = c.integer(
    `${path}.onDemandBase`,
    o.onDemandBase,
    { min: 0, max: MAX_CAPACITY_BASE },
    0,
  );
  const onDemandWeight = c.integer(`${path}.onDemandWeight`, o.onDemandWeight, weight, 0);
  const spotWeight = c.integer(`${path}.spotWeight`, o.spotWeight, weight, 0);
  if (onDemandBase === undefined || onDemandWeight === undefined || spotWeight === undefined)
    return undefined;
  if (onDemandWeight + spotWeight === 0) {
    c.report(path, 'must give onDemandWeight or spotWeight a weight above 0 (ECS places no task otherwise)');
    return undefined;
  }
  return { onDemandBase, onDemandWeight, spotWeight };
}

function resolveBatching(c: Checker, input: unknown): JobSpec['batching'] | undefined {
  const o = c.object('batching', input, ['maxItems', 'maxBytes', 'batchInput']);
  if (!o) return undefined;
  const maxItems = c.integer('batching.maxItems', o.maxItems, { min: 1, max: MAX_ITEMS_PER_BATCH }, 100);
  let batchInput: JsonObject | undefined = {};
  if (o.batchInput !== undefined) {
    batchInput =
      isPlainObject(o.batchInput) && isJson(o.batchInput) ? (o.batchInput as JsonObject) : undefined;
    const pathKey = batchInput && findPathKey(batchInput, 'batching.batchInput');
    if (!batchInput) {
      c.report(
        'batching.batchInput',
        'must be a JSON object (no undefined, functions, NaN or class instances)',
      );
    } else if (pathKey) {
      // JSONPath Parameters evaluate keys ending in ".$": a job parameter must never be read as a path.
      c.report(pathKey, 'must not end with ".$" (Step Functions would read its value as a path)');
      batchInput = undefined;
    }
  }
  if (maxItems === undefined || batchInput === undefined) return undefined;
  // Everything one task input holds must fit 256 KiB: States.DataLimitExceeded is not catchable.
  const room = MAX_PAYLOAD_BYTES - ENVELOPE_RESERVE_BYTES - Buffer.byteLength(JSON.stringify(batchInput));
  if (room < 1) {
    c.report(
      'batching.batchInput',
      `must serialize to less than ${MAX_PAYLOAD_BYTES - ENVELOPE_RESERVE_BYTES} bytes`,
    );
    return undefined;
  }
  const maxBytes = c.integer('batching.maxBytes', o.maxBytes, { min: 1, max: MAX_BATCH_BYTES }, room);
  if (maxBytes === undefined) return undefined;
  if (maxBytes > room) {
    c.report(
      'batching.maxBytes',
      `must be at most ${room} so a batch, its batchInput and the ${ENVELOPE_RESERVE_BYTES}-byte task envelope fit the ${MAX_PAYLOAD_BYTES}-byte task input limit, got ${maxBytes}`,
    );
    return undefined;
  }
  return { maxItems, maxBytes, batchInput: structuredClone(batchInput) };
}

function resolveConcurrency(
  c: Checker,
  input: unknown,
  worker: JobSpec['worker'] | undefined,
  fleet: JobSpec['fleet'] | undefined,
): number | undefined {
  const slots = (worker?.threads ?? 1) * (fleet?.maxWorkers ?? 1);
  const value = c.integer(
    'maxConcurrency',
    input,
    { min: 0, max: MAX_DISTRIBUTED_CONCURRENCY },
    Math.min(MAX_DISTRIBUTED_CONCURRENCY, slots),
  );
  // 0 is AWS's "no limit", which is the Distributed Map maximum.
  return value === 0 ? MAX_DISTRIBUTED_CONCURRENCY : value;
}

function resolveClocks(
  c: Checker,
  path: string,
  input: unknown,
  fields: readonly string[],
): { timeoutSeconds: number; heartbeatSeconds: number } | undefined {
  const o = c.object(path, input, fields);
  if (!o) return undefined;
  const timeoutSeconds = c.integer(
    `${path}.timeoutSeconds`,
    o.timeoutSeconds,
    { min: 2, max: MAX_STATES_SECONDS },
    DEFAULT_TASK_TIMEOUT_SECONDS,
  );
  const heartbeatSeconds = c.integer(
    `${path}.heartbeatSeconds`,
    o.heartbeatSeconds,
    { min: 1, max: MAX_STATES_SECONDS },
    Math.min(DEFAULT_HEARTBEAT_SECONDS, Math.floor((timeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS) / 2)),
  );
  if (timeoutSeconds === undefined || heartbeatSeconds === undefined) return undefined;
  if (heartbeatSeconds >= timeoutSeconds) {
    c.report(
      `${path}.heartbeatSeconds`,
      `must be less than ${path}.timeoutSeconds (${timeoutSeconds}), got ${heartbeatSeconds}`,
    );
    return undefined;
  }
  return { timeoutSeconds, heartbeatSeconds };
}

function resolveResults(
  c: Checker,
  input: unknown,
  name: string | undefined,
): JobSpec['results'] | undefined {
  const o = c.object('results', input, ['bucket', 'prefix']);
  if (!o) return undefined;
  const bucket =
    o.bucket === undefined ? undefined : c.string('results.bucket', o.bucket, undefined, bucketNameProblem);
  const prefix = c.string('results.prefix', o.prefix, `results/${name ?? 'job'}`, (s) =>
    s.endsWith('/') ? `must not end with "/" (AWS adds one), got ${describe(s)}` : keyProblem(s),
  );
  if (prefix === undefined || (o.bucket !== undefined && bucket === undefined)) return undefined;
  return bucket === undefined ? { prefix } : { bucket, prefix };
}

function resolveAggregate(
  c: Checker,
  input: unknown,
  workerHandler: string | undefined,
  jobRetry: JobSpec['retry'] | undefined,
): JobSpec['aggregate'] | undefined {
  if (input === undefined || input === false) return undefined;
  const o = c.object('aggregate', input === true ? {} : input, [
    'handler',
    'timeoutSeconds',
    'heartbeatSeconds',
    'retry',
  ]);
  if (!o) return undefined;
  const handler = c.string('aggregate.handler', o.handler, workerHandler ?? '-', (s) =>
    s.trim() === '' ? 'must name the handler module' : undefined,
  );
  const clocks = resolveClocks(
    c,
    'aggregate',
    { timeoutSeconds: o.timeoutSeconds, heartbeatSeconds: o.heartbeatSeconds },
    ['timeoutSeconds', 'heartbeatSeconds'],
  );
  const retry = o.retry === undefined ? jobRetry : resolveRetry(c, 'aggregate.retry', o.retry);
  if (!handler || !clocks || !retry) return undefined;
  return { handler, ...clocks, retry };
}

function isJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  return isPlainObject(value) && Object.values(value).every(isJson);
}

/** The path of the first key ending in `.$`, at any depth, or undefined. */
function findPathKey(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = findPathKey(v, join(path, i));
      if (found) return found;
    }
  } else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k.endsWith('.$')) return join(path, k);
      const found = findPathKey(v, join(path, k));
      if (found) return found;
    }
  }
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
