/**
 * The sizing policy: pure functions from what is open to how many workers the fleet needs.
 * Everything here is deterministic and side-effect free so it can be tested on its own and
 * reasoned about from the decision log.
 */

/** Step Functions' ceiling on a Distributed Map's parallel child executions (MaxConcurrency 0 means this). */
export const MAX_MAP_CONCURRENCY = 10_000;

/** The work one open execution of a job brings to the fleet. */
export interface RunDemand {
  /** The execution this demand belongs to. */
  readonly executionArn: string;
  /**
   * `planned`: the execution is open but its Map Run has not started (demand is the plan);
   * `mapping`: a Map Run is open (demand is its outstanding batches);
   * `tail`: the Map Run has ended and the execution is still open (an aggregation step may
   * need a worker).
   */
  readonly phase: 'planned' | 'mapping' | 'tail';
  /** Batches (child executions) not yet finished: pending + running. */
  readonly outstandingBatches: number;
  /** The Map Run's MaxConcurrency (0 = the Step Functions maximum). */
  readonly maxConcurrency: number;
  /**
   * `false` for a `planned` run whose ScaleUp request this controller has not seen (another
   * process served it): its demand is then the fleet's default plan, a guess. @defaultValue true
   */
  readonly planKnown?: boolean;
}

/** How a fleet turns batches into workers. */
export interface FleetShape {
  /** Worker slots (threads) one worker process offers. */
  readonly slotsPerWorker: number;
  /** Never fewer workers than this while any run is open. */
  readonly minWorkers: number;
  /** Never more workers than this. */
  readonly maxWorkers: number;
}

/** The batches a run can have in flight at once: its outstanding work, capped by its MaxConcurrency. */
export function concurrentBatches(run: RunDemand): number {
  const cap = run.maxConcurrency > 0 ? run.maxConcurrency : MAX_MAP_CONCURRENCY;
  return Math.max(0, Math.min(run.outstandingBatches, cap));
}

/**
 * The workers a set of open runs needs: the sum of their concurrent batches over the slots per
 * worker, rounded up, clamped to [minWorkers, maxWorkers]; 0 when nothing is open.
 */
export function requiredWorkers(runs: readonly RunDemand[], fleet: FleetShape): number {
  if (runs.length === 0) return 0;
  const batches = runs.reduce((sum, run) => sum + concurrentBatches(run), 0);
  const workers = Math.ceil(batches / Math.max(1, fleet.slotsPerWorker));
  return clamp(workers, fleet.minWorkers, fleet.maxWorkers);
}

/**
 * The workers the runs need, where a run whose plan is unknown ({@link RunDemand.planKnown}
 * false) may keep workers the fleet has but never adds any: its own ScaleUp step sizes the fleet
 * for it, and a guess must neither scale a fleet out to its maximum (a trial run of two batches
 * would start every worker) nor take away the workers that step started.
 */
export function requiredWorkersHolding(
  runs: readonly RunDemand[],
  fleet: FleetShape,
  desiredCount: number,
): number {
  const known = runs.filter((run) => run.planKnown !== false);
  const required = requiredWorkers(known, fleet);
  if (known.length === runs.length) return required;
  return Math.max(required, Math.min(requiredWorkers(runs, fleet), desiredCount));
}

/** What the fleet looks like now, as ECS reports it. */
export interface FleetState {
  readonly desiredCount: number;
  readonly runningCount: number;
  /** Tasks protected from scale-in (they hold work). */
  readonly protectedCount: number;
}

/** Timing knobs of the policy. */
export interface ScalingTimings {
  /** How long demand must stay lower before the fleet shrinks (stabilization window). */
  readonly scaleInCooldownMs: number;
  /** How long no run may be open before the fleet goes to 0. */
  readonly idleGraceMs: number;
}

/** The policy's memory between decisions: a short history of required sizes. */
export interface PolicyMemory {
  /** Recent (time, required) samples, oldest first, kept for the cooldown window. */
  readonly samples: readonly { readonly atMs: number; readonly required: number }[];
  /** When a run was last seen open, or null if never. */
  readonly lastOpenAtMs: number | null;
}

/** An empty memory, for a controller that has just started. */
export const EMPTY_MEMORY: PolicyMemory = { samples: [], lastOpenAtMs: null };

/** One scaling decision and why it was taken. */
export interface Decision {
  /** The desiredCount to set. */
  readonly target: number;
  /** What the runs need right now, before cooldown and protection. */
  readonly required: number;
  /** A short reason, for the decision log. */
  readonly reason:
    | 'scale-out'
    | 'scale-in'
    | 'hold-cooldown'
    | 'hold-protected'
    | 'steady'
    | 'idle-grace'
    | 'idle-to-zero';
  readonly memory: PolicyMemory;
}

/**
 * Decides the desired count from what the runs need now and what the fleet is.
 *
 * - Scale out at once: a larger requirement is applied immediately.
 * - Scale in after a cooldown: the target is the largest requirement seen within the last
 *   `scaleInCooldownMs` (a stabilization window), so a brief dip does not stop workers.
 * - Never below the tasks that are protected (busy): ECS would not stop them anyway, and a
 *   lower count would only make it stop idle ones that the next batch needs.
 * - To 0 once no run has been open for `idleGraceMs`. Tasks still protected then are left to
 *   ECS, which stops them as soon as they release their protection.
 */
export function decide(
  input: {
    readonly required: number;
    readonly anyRunOpen: boolean;
    readonly nowMs: number;
    readonly fleet: FleetState;
  },
  timings: ScalingTimings,
  memory: PolicyMemory,
): Decision {
  const { required, anyRunOpen, nowMs, fleet } = input;
  const windowStart = nowMs - timings.scaleInCooldownMs;
  const samples = [...memory.samples.filter((s) => s.atMs >= windowStart), { atMs: nowMs, required }];
  const lastOpenAtMs = anyRunOpen ? nowMs : memory.lastOpenAtMs;
  const next: PolicyMemory = { samples, lastOpenAtMs };

  if (!anyRunOpen) {
    const idleForMs = lastOpenAtMs === null ? Number.POSITIVE_INFINITY : nowMs - lastOpenAtMs;
    if (idleForMs < timings.idleGraceMs && fleet.desiredCount > 0) {
      return { target: fleet.desiredCount, required, reason: 'idle-grace', memory: next };
    }
    // Protected tasks are not counted here: ECS keeps them until they release protection,
    // then stops them because the service is above its desired count.
    return { target: 0, required, reason: 'idle-to-zero', memory: next };
  }

  if (required > fleet.desiredCount) return { target: required, required, reason: 'scale-out', memory: next };
  if (required === fleet.desiredCount) return { target: required, required, reason: 'steady', memory: next };

  const stabilized = Math.max(...samples.map((s) => s.required));
  if (stabilized >= fleet.desiredCount) {
    return { target: fleet.desiredCount, required, reason: 'hold-cooldown', memory: next };
  }
  const target = Math.max(stabilized, fleet.protectedCount);
  if (target >= fleet.desiredCount)
    return { target: fleet.desiredCount, required, reason: 'hold-protected', memory: next };
  return { target, required, reason: 'scale-in', memory: next };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
