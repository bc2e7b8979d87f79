/**
 * The names of the generated states. Stable: the controller, the CLI's progress view and the
 * tests find states by them (the Map Run's ARN carries the Distributed Map's name).
 */
export const STATE_NAMES = Object.freeze({
  /** Pass: keeps the execution input under `$.input`, so later results have an object to land in. */
  plan: 'Plan',
  /** Scales the fleet up for this run (controller, or ECS UpdateService). */
  scaleUp: 'ScaleUp',
  /** The Distributed Map. */
  map: 'ProcessItems',
  /** The activity task inside each child execution. */
  batch: 'ProcessBatch',
  /** The optional aggregate activity. */
  aggregate: 'Aggregate',
  /** Scales down after a successful run. */
  scaleDown: 'ScaleDown',
  /** The end of a successful run. */
  succeeded: 'Succeeded',
  /** Scales down after any failure. */
  scaleDownOnFailure: 'ScaleDownOnFailure',
  /** Fails the execution with the error and cause that started the failure path. */
  failed: 'Failed',
} as const);
