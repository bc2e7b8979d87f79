import type { JobSpec } from '@stepfleet/job';
import {
  monteCarloJob as defineMonteCarloJob,
  MONTE_CARLO_HANDLERS,
} from '../../examples/monte-carlo/src/job.ts';
import { SIMULATION_DEFAULTS } from '../../examples/monte-carlo/src/simulation-input.ts';

/**
 * The Monte Carlo example's job as the infra app deploys it: the example's own spec, with the
 * handlers the image holds (compiled to `dist/`, relative to the image's `/app`).
 */
export const monteCarloJob: JobSpec = defineMonteCarloJob({ handlers: MONTE_CARLO_HANDLERS.compiled });

/**
 * Where the example's batches spill outputs too large to return inline (in the input bucket):
 * the batch handler writes there and the aggregate handler reads from there.
 */
export const monteCarloDataPrefixes: readonly string[] = [SIMULATION_DEFAULTS.spillPrefix];
