import type * as ecs from 'aws-cdk-lib/aws-ecs';
import { InvalidPropsError } from './errors.ts';

/**
 * How the fleet's tasks are spread over Fargate Spot and on-demand Fargate. Fargate never
 * replaces missing Spot capacity with on-demand by itself, so a mix with an on-demand share
 * keeps a job moving when Spot is scarce.
 */
export interface FleetCapacity {
  /**
   * Number of tasks that always run on on-demand `FARGATE` before the weights apply.
   * @default 1
   */
  readonly onDemandBase?: number;
  /**
   * Relative share of on-demand `FARGATE` tasks beyond the base.
   * @default 1
   */
  readonly onDemandWeight?: number;
  /**
   * Relative share of `FARGATE_SPOT` tasks beyond the base.
   * @default 3
   */
  readonly spotWeight?: number;
}

/** The job spec's `'mixed'` mode: one on-demand worker always, then 3 Spot for 1 on-demand. */
const DEFAULT_CAPACITY: Required<FleetCapacity> = { onDemandBase: 1, onDemandWeight: 1, spotWeight: 3 };

/** The service's strategy: a provider with neither weight nor base is left out. */
export function capacityProviderStrategies(
  capacity: Required<FleetCapacity>,
): ecs.CapacityProviderStrategy[] {
  const strategies: ecs.CapacityProviderStrategy[] = [];
  if (capacity.spotWeight > 0)
    strategies.push({ capacityProvider: 'FARGATE_SPOT', weight: capacity.spotWeight });
  if (capacity.onDemandWeight > 0 || capacity.onDemandBase > 0) {
    strategies.push({
      capacityProvider: 'FARGATE',
      weight: capacity.onDemandWeight,
      base: capacity.onDemandBase,
    });
  }
  return strategies;
}

/** `capacity` with its defaults filled in. @throws InvalidPropsError naming a bad field */
export function resolveCapacity(capacity: FleetCapacity | undefined): Required<FleetCapacity> {
  const resolved = { ...DEFAULT_CAPACITY, ...stripUndefined(capacity ?? {}) };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new InvalidPropsError(`capacity.${name} must be a non-negative integer, got ${value}`);
    }
  }
  if (resolved.onDemandWeight + resolved.spotWeight === 0) {
    throw new InvalidPropsError('capacity.onDemandWeight and capacity.spotWeight cannot both be 0');
  }
  if (resolved.onDemandBase > 100_000) {
    throw new InvalidPropsError(`capacity.onDemandBase must be at most 100000, got ${resolved.onDemandBase}`);
  }
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
