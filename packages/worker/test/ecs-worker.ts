/**
 * A worker running as the one task of an ECS service on the local backend: a process the
 * backend's ECS launched, with `ECS_AGENT_URI`, so task protection goes through the agent
 * endpoint as on Fargate.
 */
import { readFile } from 'node:fs/promises';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  GetTaskProtectionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import type { LocalBackend, TaskObservation } from '@stepfleet/local';
import { fixture, testCredentials, waitFor } from './helpers.ts';

/** The worker's ECS task, as the test sees it. */
export interface EcsWorker {
  readonly ecs: ECSClient;
  readonly taskArn: string;
  /** What the backend observed of the task's process (pid, stop, exit code). */
  observed(): TaskObservation;
  /** Whether the task is protected now, through the ECS API (GetTaskProtection). */
  isProtected(): Promise<boolean>;
  /** Resolves once protection is `enabled`, checked every 50 ms; throws after `timeoutMs`. */
  waitForProtection(enabled: boolean, timeoutMs: number): Promise<void>;
  /** The worker's log lines so far (pino JSON, parsed). */
  logLines(): Promise<Record<string, unknown>[]>;
  /** Stops the service from replacing the task once it exits. */
  scaleToZero(): Promise<void>;
}

/**
 * Starts a service of one worker task (cluster `fleet`, service `workers`) with `env` on top of
 * the test defaults, and waits for its process to run. The service is scaled to 0 in `after`.
 */
export async function startEcsWorker(
  t: { after(fn: () => Promise<void> | void): void },
  backend: LocalBackend,
  env: Record<string, string>,
  stopTimeoutSeconds = 10,
): Promise<EcsWorker> {
  const ecs = new ECSClient({ endpoint: backend.url, region: 'us-east-1', credentials: testCredentials });
  t.after(() => ecs.destroy());
  await ecs.send(new CreateClusterCommand({ clusterName: 'fleet' }));
  const environment = {
    AWS_ENDPOINT_URL: backend.url,
    STEPFLEET_HANDLER: fixture('behaviors.ts'),
    STEPFLEET_THREADS: '1',
    STEPFLEET_METRICS: 'off',
    STEPFLEET_LOG_LEVEL: 'warn',
    ...env,
  };
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'worker',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '1024',
      memory: '2048',
      containerDefinitions: [
        {
          name: 'worker',
          image: 'stepfleet/worker:latest',
          command: ['node', fixture('run-worker.ts')],
          environment: Object.entries(environment).map(([name, value]) => ({ name, value })),
          stopTimeout: stopTimeoutSeconds,
        },
      ],
    }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'fleet',
      serviceName: 'workers',
      taskDefinition: 'worker',
      desiredCount: 1,
      launchType: 'FARGATE',
    }),
  );
  const scaleToZero = async (): Promise<void> => {
    await ecs.send(new UpdateServiceCommand({ cluster: 'fleet', service: 'workers', desiredCount: 0 }));
  };
  t.after(() => scaleToZero().catch(() => {}));
  let first: TaskObservation | undefined;
  await waitFor(
    () => {
      first = backend.ecs.observations.tasks({}).find((o) => o.startedAtMs !== undefined);
      return first !== undefined;
    },
    15_000,
    'the service to start its task',
  );
  const task = first as TaskObservation;
  const isProtected = async (): Promise<boolean> => {
    const got = await ecs.send(new GetTaskProtectionCommand({ cluster: 'fleet', tasks: [task.taskArn] }));
    return got.protectedTasks?.[0]?.protectionEnabled === true;
  };
  return {
    ecs,
    taskArn: task.taskArn,
    observed: () => backend.ecs.observations.task(task.taskId) ?? task,
    isProtected,
    waitForProtection: async (enabled, timeoutMs) => {
      const until = Date.now() + timeoutMs;
      while ((await isProtected()) !== enabled) {
        if (Date.now() > until)
          throw new Error(`protection not ${enabled ? 'on' : 'off'} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    logLines: async () =>
      (await readFile(task.logFile, 'utf8').catch(() => ''))
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    scaleToZero,
  };
}
