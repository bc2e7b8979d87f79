import { ECSClient } from '@aws-sdk/client-ecs';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { ControllerRequest } from '@stepfleet/job';
import { type Controller, createController, type ScaleResult } from './controller.ts';
import { InvalidRequestError } from './errors.ts';
import type { FleetConfigInput } from './fleet-config.ts';

/** Environment variable holding the fleets a scheduled reconcile watches (JSON `FleetConfigInput[]`). */
export const FLEETS_ENV = 'STEPFLEET_FLEETS';
/** Environment variable: seconds lower demand must last before the fleet shrinks (`scaleInCooldownMs`). */
export const COOLDOWN_ENV = 'STEPFLEET_SCALE_IN_COOLDOWN_SECONDS';
/** Environment variable: seconds with no open run before the fleet goes to 0 (`idleGraceMs`). */
export const IDLE_GRACE_ENV = 'STEPFLEET_IDLE_GRACE_SECONDS';

/** What the function answers: the step's result, or every fleet's after a reconcile. */
export type ControllerResponse = ScaleResult | { readonly reconciled: readonly ScaleResult[] };

/**
 * Builds the controller's function handler. One handler serves three events:
 * - a ScaleUp/ScaleDown step's {@link ControllerRequest} (`action: 'scaleUp' | 'scaleDown'`);
 * - `{ action: 'reconcile' }`, or any EventBridge event (a schedule, or a Step Functions
 *   `Execution Status Change`): a reconcile pass over every known fleet.
 * The controller is created once per process, so warm invocations keep its cooldown memory.
 */
export function createControllerHandler(
  make: () => Controller = () => defaultController(),
): (event: unknown) => Promise<ControllerResponse> {
  let controller: Controller | undefined;
  return async (event) => {
    controller ??= make();
    const action = (event as { action?: unknown } | null)?.action;
    if (action === 'scaleUp' || action === 'scaleDown') {
      const request = event as ControllerRequest;
      return controller[action]({
        executionArn: request.executionArn,
        fleet: request.fleet,
        maxConcurrency: request.maxConcurrency,
        ...(request.plannedBatches === undefined ? {} : { plannedBatches: request.plannedBatches }),
        ...(request.waitForWorkersSeconds === undefined
          ? {}
          : { waitForWorkersSeconds: request.waitForWorkersSeconds }),
      });
    }
    const isEventBridge = typeof (event as { 'detail-type'?: unknown } | null)?.['detail-type'] === 'string';
    if (action === 'reconcile' || isEventBridge) return { reconciled: await controller.reconcile() };
    throw new InvalidRequestError(
      `unknown controller event: expected action scaleUp, scaleDown or reconcile, or an EventBridge event; got ${JSON.stringify(event)?.slice(0, 200)}`,
    );
  };
}

/** SDK attempts per call of the controller's clients (the SDK's default is 3). */
const CONTROLLER_SDK_ATTEMPTS = 10;

/**
 * A controller with clients from the environment (on AWS: the function's role and region) and
 * its settings from {@link FLEETS_ENV}, {@link COOLDOWN_ENV}, {@link IDLE_GRACE_ENV} and
 * `STEPFLEET_LOG_LEVEL`.
 */
function defaultController(env: NodeJS.ProcessEnv = process.env): Controller {
  const cooldownSeconds = secondsFromEnv(env, COOLDOWN_ENV);
  const idleGraceSeconds = secondsFromEnv(env, IDLE_GRACE_ENV);
  return createController({
    // One ScaleUp call stands for a whole run: a throttled DescribeMapRun or UpdateService must
    // be outlasted (backoff grows to the SDK's 20 s cap), not fail the run after the default 3 tries.
    sfn: new SFNClient({ maxAttempts: CONTROLLER_SDK_ATTEMPTS }),
    ecs: new ECSClient({ maxAttempts: CONTROLLER_SDK_ATTEMPTS }),
    fleets: fleetsFromEnv(env[FLEETS_ENV]),
    ...(cooldownSeconds === undefined ? {} : { scaleInCooldownMs: cooldownSeconds * 1000 }),
    ...(idleGraceSeconds === undefined ? {} : { idleGraceMs: idleGraceSeconds * 1000 }),
  });
}

/** A non-negative number of seconds from `env[name]`; a malformed value is a named error. */
function secondsFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new InvalidRequestError(`${name} must be a number of seconds >= 0, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Parses {@link FLEETS_ENV}; a malformed value is a named error, not a crash loop. */
export function fleetsFromEnv(raw: string | undefined): FleetConfigInput[] {
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidRequestError(`${FLEETS_ENV} is not valid JSON`);
  }
  if (!Array.isArray(parsed)) throw new InvalidRequestError(`${FLEETS_ENV} must be a JSON array of fleets`);
  return parsed as FleetConfigInput[];
}

/** The Lambda entry point (`handler`), also the default export for local `lambda:invoke` functions. */
export const handler = createControllerHandler();
export default handler;
