export type { DefinitionNeeds } from './definition-needs.ts';
export { definitionNeeds } from './definition-needs.ts';
export type { PlaceheldDefinition } from './definition-placeholders.ts';
export { DEFINITION_PLACEHOLDERS, placeholdTokens } from './definition-placeholders.ts';
export { InvalidPropsError } from './errors.ts';
export type { FleetCapacity } from './fleet-capacity.ts';
export type { FleetControllerProps } from './fleet-controller.ts';
export { FleetController } from './fleet-controller.ts';
export type { JobBucketsProps } from './job-buckets.ts';
export { JobBuckets } from './job-buckets.ts';
export type { StepfleetJobProps } from './stepfleet-job.ts';
export { StepfleetJob } from './stepfleet-job.ts';
export type { WorkerFleetProps } from './worker-fleet.ts';
export { WorkerFleet } from './worker-fleet.ts';
export type { WorkerImageOptions } from './worker-image.ts';
export {
  imageHandlerPath,
  WORKER_ENV,
  WORKER_HEALTH_CHECK_COMMAND,
  workerImage,
} from './worker-image.ts';
