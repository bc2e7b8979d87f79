export type { DefinitionNeeds } from './definition-needs.ts';
export { definitionNeeds } from './definition-needs.ts';
export { InvalidPropsError } from './errors.ts';
export type { JobBucketsProps } from './job-buckets.ts';
export { JobBuckets } from './job-buckets.ts';
export type { StepfleetJobProps } from './stepfleet-job.ts';
export { DEFINITION_PLACEHOLDERS, StepfleetJob } from './stepfleet-job.ts';
export type { FleetCapacity, WorkerFleetProps } from './worker-fleet.ts';
export { WorkerFleet } from './worker-fleet.ts';
export type { WorkerImageOptions } from './worker-image.ts';
export {
  imageHandlerPath,
  WORKER_ENV,
  WORKER_HEALTH_CHECK_COMMAND,
  WORKER_IMAGE_APP_DIR,
  workerImage,
} from './worker-image.ts';
