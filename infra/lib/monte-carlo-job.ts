import { defineJob, type JobSpec } from '@stepfleet/job';

/**
 * The Monte Carlo example's job, as the infra app deploys it.
 *
 * TODO(examples/monte-carlo/src/job.ts): import the example's own job spec once that file
 * exports it, and delete this copy.
 */
export const monteCarloJob: JobSpec = defineJob({
  name: 'monte-carlo',
  items: { type: 'jsonl', key: 'monte-carlo/portfolio/loans.jsonl' },
  batching: { maxItems: 500 },
  aggregate: { handler: 'examples/monte-carlo/src/aggregate-handler.ts' },
  worker: { handler: 'examples/monte-carlo/src/handler.ts', cpu: 1024, memoryMiB: 2048 },
  fleet: { maxWorkers: 10, capacity: 'mixed' },
});
