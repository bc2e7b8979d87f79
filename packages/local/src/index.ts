/**
 * @stepfleet/local: one process serving the Step Functions, ECS and S3 APIs stepfleet uses,
 * over their real wire protocols, on 127.0.0.1.
 * @packageDocumentation
 */

export type {
  ActivityCounts,
  ActivityDescription,
  ActivityStats,
  EncryptionConfiguration,
} from './activities/activity-store.ts';
export { ActivityStore } from './activities/activity-store.ts';
export type { TaskRecord, TaskStatus } from './activities/activity-task.ts';
export type {
  ActivityOutcome,
  ActivityScheduler,
  CallbackOptions,
  CallbackTask,
  ScheduleOptions,
} from './activities/types.ts';
export { AwsError } from './aws-error.ts';
export type { LocalBackend } from './backend.ts';
export { startLocalBackend } from './backend.ts';
export type { LocalBackendOptions, ResolvedBackendOptions } from './backend-options.ts';
export { BACKEND_DEFAULTS, resolveBackendOptions } from './backend-options.ts';
export type { Clock } from './clock.ts';
export { CONTROL_PREFIX } from './control-api.ts';
export type { EcsService, TaskObservation } from './ecs/index.ts';
export type { LocalEngine } from './engine/index.ts';
export type { FaultCounts, FaultRule } from './faults.ts';
export { FaultInjector } from './faults.ts';
export type { S3Store } from './s3/types.ts';
