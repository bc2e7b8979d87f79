import type { ECSClient } from '@aws-sdk/client-ecs';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Logger } from 'pino';
import { type DemandReading, defaultPlan, type PlannedDemand, readDemand, stateMachineOf } from './demand.ts';
import { InvalidRequestError } from './errors.ts';
import { ecsFleet, type FleetAdapter } from './fleet.ts';
import { type FleetConfig, type FleetConfigInput, resolveFleetConfig } from './fleet-config.ts';
import { createDefaultLogger } from './logger.ts';
import {
  type Decision,
  decide,
  EMPTY_MEMORY,
  type FleetState,
  type PolicyMemory,
  requiredWorkersHolding,
  type ScalingTimings,
} from './policy.ts';

/** Options of {@link createController}. */
export interface ControllerOptions {
  /** Step Functions client (AWS, or the local backend through `endpoint`). */
  readonly sfn: SFNClient;
  /** ECS client (AWS, or the local backend through `endpoint`). */
  readonly ecs: ECSClient;
  /** Fleets the reconcile loop watches from the start; ScaleUp/ScaleDown requests add theirs. @defaultValue [] */
  readonly fleets?: readonly FleetConfigInput[];
  /** How long lower demand must last before the fleet shrinks. @defaultValue 30000 */
  readonly scaleInCooldownMs?: number;
  /** How long no run may be open before the fleet goes to 0. @defaultValue 0 (at once) */
  readonly idleGraceMs?: number;
  /**
   * Where decisions are logged.
   * @defaultValue a pino logger on stdout at `STEPFLEET_LOG_LEVEL` (`info`; `warn` under `node --test`)
   */
  readonly logger?: Logger;
  /** The clock, for tests. @defaultValue Date.now */
  readonly now?: () => number;
}

/** A ScaleUp/ScaleDown step's request: which execution, which fleet. */
export interface ScaleRequest {
  /** The execution taking the step (`$$.Execution.Id`). */
  readonly executionArn: string;
  /** The fleet the execution's work runs on. */
  readonly fleet: FleetConfigInput;
  /** ScaleUp: batches the run's Map Run will have (when known), so the first size is right. */
  readonly plannedBatches?: number;
  /** ScaleUp: the Map Run's MaxConcurrency. @defaultValue 0 (no cap) */
  readonly maxConcurrency?: number;
  /** ScaleUp: wait, at most this long, until the target count of workers is running. @defaultValue 0 (no wait) */
  readonly waitForWorkersSeconds?: number;
}

/** What a step or a reconcile did to one fleet. */
export interface ScaleResult {
  readonly cluster: string;
  readonly service: string;
  readonly before: FleetState;
  readonly target: number;
  readonly required: number;
  readonly reason: Decision['reason'] | 'run-finished';
  readonly openRuns: number;
  /** Workers running when the step returned (after the optional wait). */
  readonly running: number;
}

/** The fleet controller: the ScaleUp/ScaleDown steps of a job and the reconcile pass. */
export interface Controller {
  /** Before a Map Run: add the run's demand and scale out to the new total (never in). */
  scaleUp(request: ScaleRequest): Promise<ScaleResult>;
  /** After a Map Run, on success or failure: drop the run's demand, size to the other open runs. */
  scaleDown(request: ScaleRequest): Promise<ScaleResult>;
  /** Recompute every known fleet's size from what is open and fix it (level-triggered). */
  reconcile(): Promise<ScaleResult[]>;
  /** The fleets the controller knows. */
  readonly fleets: readonly FleetConfig[];
}

/** A ScaleUp's plan is forgotten this long after its execution was last seen open. */
const PLAN_RETENTION_MS = 10 * 60_000;
/**
 * How often ScaleUp's bounded wait re-reads the service: soon at first (a local task runs in
 * milliseconds), then less and less often (a Fargate task takes a minute or two), so a long
 * wait costs a few dozen DescribeServices calls, not thousands.
 */
const WAIT_POLL = { firstMs: 50, factor: 1.5, maxMs: 2_000 } as const;

/** Defaults of {@link ControllerOptions}. */
export const CONTROLLER_DEFAULTS = { scaleInCooldownMs: 30_000, idleGraceMs: 0 } as const;

/** Creates a controller. It holds only soft state (cooldown memory); demand is always re-read. */
export function createController(options: ControllerOptions): Controller {
  const logger = options.logger ?? createDefaultLogger();
  const now = options.now ?? Date.now;
  const timings: ScalingTimings = {
    scaleInCooldownMs: options.scaleInCooldownMs ?? CONTROLLER_DEFAULTS.scaleInCooldownMs,
    idleGraceMs: options.idleGraceMs ?? CONTROLLER_DEFAULTS.idleGraceMs,
  };
  const fleets = new Map<string, FleetConfig>();
  const memories = new Map<string, PolicyMemory>();
  const adapters = new Map<string, FleetAdapter>();
  // ScaleUp plans by execution: a reconcile in the same process (a warm function, the CLI when
  // it also serves steps) sizes a run that has not started its Map Run by its own plan.
  const plans = new Map<string, PlannedDemand & { seenAtMs: number }>();
  const keyOf = (f: { cluster: string; service: string }): string => `${f.cluster}/${f.service}`;
  const adapterOf = (f: FleetConfig): FleetAdapter => {
    const key = keyOf(f);
    const known = adapters.get(key);
    if (known) return known;
    const adapter = ecsFleet(options.ecs, f.cluster, f.service);
    adapters.set(key, adapter);
    return adapter;
  };

  /** The fleet of a request merged with what is known of it (its state machines); not yet stored. */
  const resolve = (input: FleetConfigInput, stateMachineArn?: string): FleetConfig => {
    const resolved = resolveFleetConfig(input);
    const known = fleets.get(keyOf(resolved));
    const arns = new Set([...(known?.stateMachineArns ?? []), ...resolved.stateMachineArns]);
    if (stateMachineArn) arns.add(stateMachineArn);
    return { ...resolved, stateMachineArns: [...arns] };
  };
  // A fleet is learnt from a request only once its service has been read: a request naming an
  // unknown service fails with a named error and does not make every later reconcile fail too.
  const learn = (fleet: FleetConfig): void => void fleets.set(keyOf(fleet), fleet);
  for (const fleet of options.fleets ?? []) learn(resolve(fleet));
  logger.info(
    { event: 'start', fleets: [...fleets.values()].map(keyOf), ...timings },
    `controller started with ${fleets.size} fleet(s)`,
  );

  const log = (
    event: string,
    fleet: FleetConfig,
    reading: DemandReading,
    before: FleetState,
    result: ScaleResult,
  ): void => {
    logger.info(
      {
        event,
        fleet: keyOf(fleet),
        openRuns: reading.runs.map((r) => ({
          execution: r.executionArn.split(':').slice(-2).join(':'),
          phase: r.phase,
          outstandingBatches: r.outstandingBatches,
          maxConcurrency: r.maxConcurrency,
          ...(r.mapRun
            ? {
                mapRun: {
                  status: r.mapRun.status,
                  pending: r.mapRun.pendingExecutions,
                  running: r.mapRun.runningExecutions,
                  pendingItems: r.mapRun.pendingItems,
                },
              }
            : {}),
        })),
        excluded: reading.excluded.length,
        slotsPerWorker: fleet.slotsPerWorker,
        bounds: [fleet.minWorkers, fleet.maxWorkers],
        current: before,
        required: result.required,
        target: result.target,
        reason: result.reason,
      },
      `${keyOf(fleet)}: ${result.reason} ${before.desiredCount} -> ${result.target}`,
    );
  };

  const validate = (request: ScaleRequest): void => {
    if (!request || typeof request.executionArn !== 'string' || stateMachineOf(request.executionArn) === '') {
      throw new InvalidRequestError(
        `executionArn must be a Step Functions execution ARN, got ${JSON.stringify(request?.executionArn)}`,
      );
    }
    if (!request.fleet || typeof request.fleet !== 'object')
      throw new InvalidRequestError('fleet is required');
  };

  const forgetStalePlans = (reading: DemandReading): void => {
    const open = new Set(reading.runs.map((r) => r.executionArn));
    for (const [executionArn, plan] of plans) {
      if (open.has(executionArn)) plans.set(executionArn, { ...plan, seenAtMs: now() });
      else if (now() - plan.seenAtMs > PLAN_RETENTION_MS) plans.delete(executionArn);
    }
  };

  const apply = async (fleet: FleetConfig, before: FleetState, target: number): Promise<void> => {
    if (target !== before.desiredCount) await adapterOf(fleet).setDesiredCount(target);
  };

  return {
    get fleets() {
      return [...fleets.values()];
    },

    async scaleUp(request) {
      validate(request);
      const fleet = resolve(request.fleet, stateMachineOf(request.executionArn));
      const plan: PlannedDemand = {
        batches: request.plannedBatches ?? defaultPlan(fleet).batches,
        maxConcurrency: request.maxConcurrency ?? 0,
      };
      const adapter = adapterOf(fleet);
      const before = await adapter.read();
      learn(fleet);
      plans.set(request.executionArn, { ...plan, seenAtMs: now() });
      const reading = await readDemand(options.sfn, fleet, {
        planned: plans,
        assumeOpen: [request.executionArn],
      });
      const required = requiredWorkersHolding(reading.runs, fleet, before.desiredCount);
      const target = Math.max(required, before.desiredCount);
      await apply(fleet, before, target);
      // Remembered as a reconcile would, so the stabilization window counts this demand too.
      const windowStartMs = now() - timings.scaleInCooldownMs;
      const samples = (memories.get(keyOf(fleet))?.samples ?? []).filter((x) => x.atMs >= windowStartMs);
      memories.set(keyOf(fleet), { samples: [...samples, { atMs: now(), required }], lastOpenAtMs: now() });
      let running = before.runningCount;
      const waitMs = (request.waitForWorkersSeconds ?? 0) * 1000;
      if (waitMs > 0 && target > 0) running = await waitForRunning(adapter, target, waitMs);
      const result: ScaleResult = {
        cluster: fleet.cluster,
        service: fleet.service,
        before,
        target,
        required,
        reason: target > before.desiredCount ? 'scale-out' : 'steady',
        openRuns: reading.runs.length,
        running,
      };
      log('scale-up', fleet, reading, before, result);
      return result;
    },

    async scaleDown(request) {
      validate(request);
      const fleet = resolve(request.fleet, stateMachineOf(request.executionArn));
      const before = await adapterOf(fleet).read();
      learn(fleet);
      plans.delete(request.executionArn);
      const reading = await readDemand(options.sfn, fleet, {
        exclude: [request.executionArn],
        planned: plans,
      });
      const required = requiredWorkersHolding(reading.runs, fleet, before.desiredCount);
      // Only this run's demand goes away: the others' needs stay. Busy tasks of other runs are
      // in `required`; tasks still protected are kept by ECS until they release protection.
      const target = Math.min(before.desiredCount, required);
      await apply(fleet, before, target);
      const result: ScaleResult = {
        cluster: fleet.cluster,
        service: fleet.service,
        before,
        target,
        required,
        reason: 'run-finished',
        openRuns: reading.runs.length,
        running: before.runningCount,
      };
      log('scale-down', fleet, reading, before, result);
      return result;
    },

    async reconcile() {
      const results: ScaleResult[] = [];
      for (const fleet of fleets.values()) {
        try {
          const reading = await readDemand(options.sfn, fleet, { planned: plans });
          forgetStalePlans(reading);
          const before = await adapterOf(fleet).read();
          const required = requiredWorkersHolding(reading.runs, fleet, before.desiredCount);
          const decision = decide(
            { required, anyRunOpen: reading.runs.length > 0, nowMs: now(), fleet: before },
            timings,
            memories.get(keyOf(fleet)) ?? EMPTY_MEMORY,
          );
          memories.set(keyOf(fleet), decision.memory);
          await apply(fleet, before, decision.target);
          const result: ScaleResult = {
            cluster: fleet.cluster,
            service: fleet.service,
            before,
            target: decision.target,
            required,
            reason: decision.reason,
            openRuns: reading.runs.length,
            running: before.runningCount,
          };
          // Logged when it changes the fleet or holds it above what the runs need; a fleet
          // that is already right (steady, or idle at 0) is not logged every pass.
          if (decision.target !== before.desiredCount || decision.target !== required) {
            log('reconcile', fleet, reading, before, result);
          }
          results.push(result);
        } catch (error) {
          // One broken fleet must not stop the others from being reconciled.
          logger.error({ fleet: keyOf(fleet), err: error }, `${keyOf(fleet)}: reconcile failed`);
        }
      }
      return results;
    },
  };
}

/**
 * Waits, at most `waitMs`, until the service runs `target` workers, or as many as it now
 * wants if something (a reconcile, another run's ScaleDown) lowered its desired count since.
 * Returns the running count it last saw. A service that cannot start tasks costs the wait,
 * never more: the Map Run then starts and its tasks wait for workers.
 */
async function waitForRunning(adapter: FleetAdapter, target: number, waitMs: number): Promise<number> {
  const deadline = Date.now() + waitMs;
  let pollMs: number = WAIT_POLL.firstMs;
  for (;;) {
    const counts = await adapter.readCounts();
    if (counts.runningCount >= Math.min(target, counts.desiredCount) || Date.now() >= deadline) {
      return counts.runningCount;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
    pollMs = Math.min(WAIT_POLL.maxMs, pollMs * WAIT_POLL.factor);
  }
}
