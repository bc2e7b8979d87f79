/** What the controller knows about one worker fleet (an ECS service) and the jobs that feed it. */
export interface FleetConfig {
  /** ECS cluster name or ARN. */
  readonly cluster: string;
  /** ECS service name or ARN. */
  readonly service: string;
  /** The state machines whose executions put work on this fleet. */
  readonly stateMachineArns: readonly string[];
  /** Never fewer workers while a run is open. @defaultValue 0 */
  readonly minWorkers: number;
  /** Never more workers than this. */
  readonly maxWorkers: number;
  /** Slots (threads) per worker process. @defaultValue 1 */
  readonly slotsPerWorker: number;
  /** Items per batch (the job's MaxItemsPerBatch), to turn pending items into batches. @defaultValue 1 */
  readonly itemsPerBatch: number;
  /**
   * Batches a run needs before its Map Run has started, when the run itself did not say
   * (a reconcile that meets another job's fresh execution).
   * @defaultValue maxWorkers × slotsPerWorker (scale out fast; the Map Run's counts correct it)
   */
  readonly plannedBatches?: number;
  /** Batches a run needs after its Map Run ended while it is still open (1 with an aggregation step). @defaultValue 0 */
  readonly tailBatches: number;
}

/** Settings of a fleet as a caller may give them (defaults filled by {@link resolveFleetConfig}). */
export type FleetConfigInput = Pick<FleetConfig, 'cluster' | 'service' | 'maxWorkers'> &
  Partial<Omit<FleetConfig, 'cluster' | 'service' | 'maxWorkers'>>;

/** Thrown for a fleet configuration that cannot work; names the field. */
export class FleetConfigError extends Error {
  override readonly name = 'Controller.InvalidConfig';
}

/** Fills defaults and checks a fleet configuration; every problem is named in the error. */
export function resolveFleetConfig(input: FleetConfigInput): FleetConfig {
  const problems: string[] = [];
  const int = (field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
      problems.push(`${field} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
    }
  };
  if (typeof input.cluster !== 'string' || input.cluster.length === 0)
    problems.push('cluster must be a non-empty string');
  if (typeof input.service !== 'string' || input.service.length === 0)
    problems.push('service must be a non-empty string');
  const config: FleetConfig = {
    cluster: input.cluster,
    service: input.service,
    stateMachineArns: input.stateMachineArns ?? [],
    minWorkers: input.minWorkers ?? 0,
    maxWorkers: input.maxWorkers,
    slotsPerWorker: input.slotsPerWorker ?? 1,
    itemsPerBatch: input.itemsPerBatch ?? 1,
    tailBatches: input.tailBatches ?? 0,
    ...(input.plannedBatches === undefined ? {} : { plannedBatches: input.plannedBatches }),
  };
  int('maxWorkers', config.maxWorkers, 1);
  int('minWorkers', config.minWorkers, 0, Math.max(0, config.maxWorkers));
  int('slotsPerWorker', config.slotsPerWorker, 1);
  int('itemsPerBatch', config.itemsPerBatch, 1);
  int('tailBatches', config.tailBatches, 0);
  if (config.plannedBatches !== undefined) int('plannedBatches', config.plannedBatches, 0);
  if (!Array.isArray(config.stateMachineArns)) problems.push('stateMachineArns must be an array of ARNs');
  if (problems.length > 0) {
    throw new FleetConfigError(`invalid fleet ${input.cluster}/${input.service}: ${problems.join('; ')}`);
  }
  return config;
}
