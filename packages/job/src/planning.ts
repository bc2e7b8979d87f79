import type { JobSpec, RetryPolicy } from './job-spec.ts';
import { MAX_EXECUTION_SECONDS } from './limits.ts';

/**
 * `TimeoutSeconds` of the ScaleUp step. The controller may wait (bounded) until workers poll,
 * and a Fargate task takes one to two minutes to start.
 */
export const SCALE_UP_TIMEOUT_SECONDS = 300;

/** `TimeoutSeconds` of the ScaleDown steps: one UpdateService, or one controller call. */
export const SCALE_DOWN_TIMEOUT_SECONDS = 120;

/** The default state machine timeout when the number of items is not known: one day. */
export const UNKNOWN_SIZE_TIMEOUT_SECONDS = 86_400;

/**
 * How many batches a run of `job` over `itemCount` items has, counting by `batching.maxItems`
 * (and the source's `maxItems` cap). When `batching.maxBytes` splits batches further this is a
 * lower bound.
 * @throws RangeError when `itemCount` is not a non-negative integer
 */
export function plannedBatches(job: Pick<JobSpec, 'items' | 'batching'>, itemCount: number): number {
  if (!Number.isInteger(itemCount) || itemCount < 0) {
    throw new RangeError(`itemCount must be a non-negative integer, got ${itemCount}`);
  }
  const cap = job.items.maxItems;
  const items = cap === undefined ? itemCount : Math.min(itemCount, cap);
  return Math.ceil(items / job.batching.maxItems);
}

/**
 * The number of workers a run needs: enough slots for the batches that can run at once
 * (`maxConcurrency`, or fewer when only `batches` are planned), clamped to the fleet's min and
 * max. At least one worker while any batch is planned.
 */
export function desiredWorkers(
  job: Pick<JobSpec, 'maxConcurrency' | 'worker' | 'fleet'>,
  batches?: number,
): number {
  const running = Math.min(job.maxConcurrency, batches ?? Number.POSITIVE_INFINITY);
  const needed = Math.ceil(running / job.worker.threads);
  const floor = running > 0 ? Math.max(1, job.fleet.minWorkers) : job.fleet.minWorkers;
  return Math.min(job.fleet.maxWorkers, Math.max(floor, needed));
}

/** The longest all retries of one task can wait between attempts (each wait capped, jitter ignored). */
export function totalRetryDelaySeconds(retry: RetryPolicy): number {
  let total = 0;
  for (let i = 0; i < retry.maxAttempts; i++) {
    total += Math.min(retry.intervalSeconds * retry.backoffRate ** i, retry.maxDelaySeconds);
  }
  return Math.ceil(total);
}

/** The longest one task can take through all its attempts and retry waits. */
export function worstTaskSeconds(timeoutSeconds: number, retry: RetryPolicy): number {
  const attempts = retry.errors.length === 0 ? 1 : 1 + retry.maxAttempts;
  return attempts * timeoutSeconds + totalRetryDelaySeconds(retry);
}

/**
 * The state machine timeout a job gets when it sets none, derived from the work: the scale
 * steps, plus the Map Run, plus the aggregate step. With a known item count (a trial run's
 * `items.maxItems`) the Map Run budget is waves of `maxConcurrency` batches × the worst time of
 * one batch (all attempts timing out); without one it is the larger of one day and four worst
 * batches. Capped at one year, the longest a Standard execution runs.
 */
export function defaultTimeoutSeconds(job: Omit<JobSpec, 'timeoutSeconds'>): number {
  const perBatch = worstTaskSeconds(job.activity.timeoutSeconds, job.retry);
  const known = job.items.maxItems;
  const mapBudget =
    known === undefined
      ? Math.max(UNKNOWN_SIZE_TIMEOUT_SECONDS, 4 * perBatch)
      : Math.max(1, Math.ceil(plannedBatches(job, known) / job.maxConcurrency)) * perBatch;
  const aggregateBudget = job.aggregate
    ? worstTaskSeconds(job.aggregate.timeoutSeconds, job.aggregate.retry)
    : 0;
  const total = SCALE_UP_TIMEOUT_SECONDS + 2 * SCALE_DOWN_TIMEOUT_SECONDS + mapBudget + aggregateBudget;
  return Math.min(MAX_EXECUTION_SECONDS, total);
}
