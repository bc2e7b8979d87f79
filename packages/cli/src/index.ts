/**
 * stepfleet: the command line's library side. What a job module author imports (the
 * {@link JobModule} contract) and what tests and scripts use to run a job locally.
 * @packageDocumentation
 */
export type { JobModule, JobPlan, JobRunOptions, PrepareContext, ReportContext } from './job-module.ts';
export { BUNDLED_JOBS, JobModuleError, loadJobModule } from './job-module.ts';
export type { LocalDeployment, LocalDeployOptions } from './local-deploy.ts';
export type { LocalRunContext, LocalRunOptions, LocalRunOutcome, RunClients } from './local-run.ts';
export {
  LOCAL_CONTROLLER_FUNCTION,
  RunAbandonedError,
  RunInterruptedError,
  runLocalJob,
  startRunBackend,
} from './local-run.ts';
export type { ProgressDisplayOptions } from './progress-display.ts';
export { ProgressDisplay } from './progress-display.ts';
export { ProgressReader } from './progress-reader.ts';
export type { FleetCounts, MapRunCounts, ProgressSnapshot } from './progress-snapshot.ts';
export type { RenderOptions } from './progress-view.ts';
export { formatDuration, renderProgress, renderProgressLine } from './progress-view.ts';
