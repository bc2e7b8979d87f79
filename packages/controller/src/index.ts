export {
  CONTROLLER_DEFAULTS,
  type Controller,
  type ControllerOptions,
  createController,
  type ScaleRequest,
  type ScaleResult,
} from './controller.ts';
export { type DemandReading, type MapRunView, type OpenRun, readDemand } from './demand.ts';
export { ControllerError, InvalidRequestError, PermissionError, ServiceNotFoundError } from './errors.ts';
export { ecsFleet, type FleetAdapter } from './fleet.ts';
export {
  type FleetConfig,
  FleetConfigError,
  type FleetConfigInput,
  resolveFleetConfig,
} from './fleet-config.ts';
export {
  concurrentBatches,
  type Decision,
  decide,
  EMPTY_MEMORY,
  type FleetShape,
  type FleetState,
  MAX_MAP_CONCURRENCY,
  type PolicyMemory,
  type RunDemand,
  requiredWorkers,
  requiredWorkersHolding,
  type ScalingTimings,
} from './policy.ts';
export { type ReconcileLoopOptions, runReconcileLoop } from './reconcile-loop.ts';
