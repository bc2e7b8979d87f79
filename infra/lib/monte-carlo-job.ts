import type { JobSpec } from '@stepfleet/job';
import {
  monteCarloJob as defineMonteCarloJob,
  MONTE_CARLO_HANDLERS,
} from '../../examples/monte-carlo/src/job.ts';

/**
 * The Monte Carlo example's job as the infra app deploys it: the example's own spec, with the
 * handlers the image holds (compiled to `dist/`, relative to the image's `/app`).
 */
export const monteCarloJob: JobSpec = defineMonteCarloJob({ handlers: MONTE_CARLO_HANDLERS.compiled });
