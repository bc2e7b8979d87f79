/**
 * The payload the ScaleUp / ScaleDown / ScaleDownOnFailure steps send to the controller
 * function (`lambda:invoke`, `Payload`). It is `@stepfleet/controller`'s `ScaleRequest` plus the
 * `action` to call, so the function's handler is `controller[request.action](request)`.
 */
export interface ControllerRequest {
  /** `scaleUp` before the Map Run; `scaleDown` after it, on success and on every failure path. */
  readonly action: 'scaleUp' | 'scaleDown';
  /** The calling execution (`$$.Execution.Id`); its state machine is derived from it. */
  readonly executionArn: string;
  /** The job's name, for the controller's logs. */
  readonly jobName: string;
  /** The fleet the job's batches run on. */
  readonly fleet: ControllerFleet;
  /** The job's effective Distributed Map `MaxConcurrency` (1..10,000). */
  readonly maxConcurrency: number;
  /**
   * Batches the Map Run will have, when the spec knows (a trial run's `items.maxItems`); an
   * upper bound then, since the source may hold fewer items. Absent when unknown.
   */
  readonly plannedBatches?: number;
  /** ScaleUp only: wait at most this long until the target count of workers runs. */
  readonly waitForWorkersSeconds?: number;
}

/** The fleet part of a {@link ControllerRequest} (the controller's `FleetConfigInput`). */
export interface ControllerFleet {
  /** ECS cluster name or ARN. */
  readonly cluster: string;
  /** ECS service name or ARN. */
  readonly service: string;
  /** `fleet.minWorkers`: never fewer while a run is open. */
  readonly minWorkers: number;
  /** `fleet.maxWorkers`. */
  readonly maxWorkers: number;
  /** `worker.threads`: batches one worker runs at once. */
  readonly slotsPerWorker: number;
  /** `batching.maxItems`, to turn pending items into batches. */
  readonly itemsPerBatch: number;
  /** Batches still to run after the Map Run ends: 1 with an aggregate step, else 0. */
  readonly tailBatches: number;
}
