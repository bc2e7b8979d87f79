import type { Logger } from 'pino';
import { AwsError } from '../aws-error.ts';
import type { Clock } from '../clock.ts';
import type { FaultInjector } from '../faults.ts';
import type { ExtraRoute } from '../http-router.ts';
import type { JsonService } from '../service.ts';
import { createAgentRoute } from './agent-route.ts';
import { clusterOperations } from './cluster-operations.ts';
import { EcsState } from './ecs-state.ts';
import { EcsObservations } from './observations.ts';
import { protectionOperations } from './protection-operations.ts';
import { serviceOperations } from './service-operations.ts';
import { taskDefinitionOperations } from './task-definition-operations.ts';
import { stopTask } from './task-launcher.ts';
import { taskOperations } from './task-operations.ts';

export type { CountSample, EcsObservations, TaskObservation } from './observations.ts';

/** What runs when the host process exits: one `exit` listener for every EcsService alive. */
const onHostExit = new Set<() => void>();
process.on('exit', () => {
  for (const kill of onHostExit) kill();
});

/** Options of {@link createEcsService}. */
export interface EcsServiceOptions {
  /** Task logs go to `${dataDir}/ecs/logs/<service>/<taskId>.log`. */
  readonly dataDir: string;
  /** Stop timeouts, protection expiry and restart backoff run on this clock's simulated time. */
  readonly clock: Clock;
  /** The account in every ARN. */
  readonly accountId: string;
  /** The region used when a call carries none (programmatic calls). */
  readonly region: string;
  /** The backend's base URL (`http://127.0.0.1:PORT`), read when a task starts. */
  readonly agentBaseUrl: () => string;
  /** @defaultValue no logging */
  readonly logger?: Logger;
  /** The environment every task starts from, under its task definition's. @defaultValue `process.env` */
  readonly env?: NodeJS.ProcessEnv;
  /** Real milliseconds between safety-net reconciles of every service. @defaultValue 1000 */
  readonly reconcileIntervalMs?: number;
  /** Fault rules for the agent endpoint (service `ecs-agent`). @defaultValue none */
  readonly faults?: FaultInjector;
}

/** The local ECS: its API, its agent endpoint, what it observed, and its shutdown. */
export interface EcsService {
  /** The ECS API (AWS JSON 1.1, `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Op>`). */
  readonly service: JsonService;
  /** The per-task agent endpoint (`$ECS_AGENT_URI`): task protection, metadata, credentials. */
  readonly agentRoute: ExtraRoute;
  /** Task processes and service counts as they happened, for tests. */
  readonly observations: EcsObservations;
  /**
   * Stops every task (SIGTERM, then SIGKILL after its stopTimeout on the clock) and resolves
   * once every process has exited. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Creates the local ECS service. Tasks are child processes running their task definition's
 * container command; services keep their desired count of them running.
 *
 * @example
 * const ecs = createEcsService({ dataDir, clock: createClock(), accountId: '000000000000',
 *   region: 'us-east-1', agentBaseUrl: () => server.url });
 * // router: jsonServices: [ecs.service], extraRoutes: [ecs.agentRoute]
 * await ecs.close();
 */
export function createEcsService(options: EcsServiceOptions): EcsService {
  const observations = new EcsObservations();
  const state = new EcsState({
    clock: options.clock,
    dataDir: options.dataDir,
    baseEnv: options.env ?? process.env,
    agentBaseUrl: options.agentBaseUrl,
    logger: options.logger,
    observations,
    tasksById: new Map(),
  });
  const defaults = { accountId: options.accountId, region: options.region };
  const operations = {
    ...clusterOperations(state),
    ...taskDefinitionOperations(state),
    ...serviceOperations(state),
    ...taskOperations(state),
    ...protectionOperations(state),
  };
  // The safety net: a missed event can never leave a service off its desired count for long.
  const safetyNet = setInterval(() => state.reconcileAll(), options.reconcileIntervalMs ?? 1000);
  safetyNet.unref();
  // If the host process exits without close(), no task outlives it.
  const killAll = (): void => {
    for (const task of state.liveTasks()) task.process?.kill();
  };
  onHostExit.add(killAll);
  let closing: Promise<void> | undefined;

  return {
    service: {
      serviceName: 'ecs',
      targetPrefix: 'AmazonEC2ContainerServiceV20141113',
      contentType: 'application/x-amz-json-1.1',
      operations: Object.fromEntries(
        Object.entries(operations).map(([name, op]) => [
          name,
          (input: Record<string, unknown>, ctx: Parameters<typeof op>[1]) => {
            if (state.closed) throw new AwsError('ServerException', 'stepfleet local is shutting down', 500);
            return op(input, {
              ...ctx,
              region: ctx.region || defaults.region,
              accountId: ctx.accountId || defaults.accountId,
            });
          },
        ]),
      ),
    },
    agentRoute: createAgentRoute(state, options.faults),
    observations,
    close() {
      closing ??= (async () => {
        state.closed = true;
        clearInterval(safetyNet);
        for (const store of state.stores()) {
          for (const cluster of store.clusters.values()) {
            for (const service of cluster.services.values()) {
              if (service.restartTimer) clearTimeout(service.restartTimer);
              if (service.status === 'ACTIVE') service.status = 'DRAINING';
            }
          }
        }
        const live = state.liveTasks();
        for (const task of live)
          stopTask(state.launcher, task, 'stepfleet local backend shutting down', 'UserInitiated');
        await Promise.all(live.map((task) => task.finished));
        onHostExit.delete(killAll);
      })();
      return closing;
    },
  };
}
