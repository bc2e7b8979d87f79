import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { startLocalBackend } from '../src/backend.ts';
import type { EcsService, TaskObservation } from '../src/ecs/index.ts';

/** The fixture task script, run by `node`. */
export const TASK_SCRIPT = join(import.meta.dirname, 'fixtures', 'ecs-task.mjs');

/** The local backend, with a real ECS client pointed at it. */
export interface EcsHarness {
  readonly url: string;
  readonly ecs: EcsService;
  readonly client: ECSClient;
  readonly dataDir: string;
}

/** Starts the local backend on 127.0.0.1 (port 0); it is closed and its data removed after the test. */
export async function startEcs(t: TestContext, options: { timeScale?: number } = {}): Promise<EcsHarness> {
  const backend = await startLocalBackend({ port: 0, timeScale: options.timeScale ?? 1 });
  const client = new ECSClient({
    endpoint: backend.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  t.after(async () => {
    client.destroy();
    await backend.close();
  });
  return { url: backend.url, ecs: backend.ecs, client, dataDir: backend.dataDir };
}

/** Whether a process with this pid exists (signal 0 probes without signalling). */
export function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once the file contains `text` (polled: the task writes it, not the backend). */
export async function waitForLog(file: string, text: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const content = await readFile(file, 'utf8').catch(() => '');
    if (content.includes(text)) return content;
    if (Date.now() > deadline)
      throw new Error(`${file} did not show "${text}" within ${timeoutMs} ms:\n${content}`);
    await sleep(20);
  }
}

/** What {@link createService} sets up. */
export interface ServiceSetup {
  readonly cluster?: string;
  readonly service?: string;
  readonly desiredCount?: number;
  readonly command?: string[];
  readonly environment?: Record<string, string>;
  readonly stopTimeout?: number;
}

/** Creates a cluster, a task definition running the fixture script, and a service of it. */
export async function createService(
  h: Pick<EcsHarness, 'client'>,
  setup: ServiceSetup = {},
): Promise<{ cluster: string; service: string }> {
  const cluster = setup.cluster ?? 'workers';
  const service = setup.service ?? 'fleet';
  await h.client.send(new CreateClusterCommand({ clusterName: cluster }));
  await h.client.send(
    new RegisterTaskDefinitionCommand({
      family: service,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'worker',
          image: 'stepfleet/worker:latest',
          command: setup.command ?? ['node', TASK_SCRIPT],
          environment: Object.entries(setup.environment ?? {}).map(([name, value]) => ({ name, value })),
          stopTimeout: setup.stopTimeout ?? 5,
        },
      ],
    }),
  );
  await h.client.send(
    new CreateServiceCommand({
      cluster,
      serviceName: service,
      taskDefinition: service,
      desiredCount: setup.desiredCount ?? 0,
      launchType: 'FARGATE',
    }),
  );
  return { cluster, service };
}

/** Tasks of a service whose process has started and not stopped, in launch order. */
export function runningTasks(h: EcsHarness, service: string): TaskObservation[] {
  return h.ecs.observations
    .tasks({ service })
    .filter((task) => task.startedAtMs !== undefined && task.stoppedAtMs === undefined);
}

/** Waits until exactly `count` tasks of the service run, and returns them. */
export function waitForRunning(h: EcsHarness, service: string, count: number): Promise<TaskObservation[]> {
  return h.ecs.observations.waitFor(
    () => {
      const running = runningTasks(h, service);
      return (
        running.length === count && h.ecs.observations.tasks({ service }).every(settledOrRunning) && running
      );
    },
    10_000,
    `${count} running tasks of ${service}`,
  );
}

function settledOrRunning(task: TaskObservation): boolean {
  return task.stoppedAtMs !== undefined || task.startedAtMs !== undefined;
}

/**
 * Runs a one-task service whose process ignores SIGTERM (`stopTimeout` seconds), waits until the
 * task runs, then scales the service in: the task has been asked to stop and keeps running until
 * its SIGKILL. Returns the task.
 */
export async function scaleInStubbornTask(h: EcsHarness, stopTimeout: number): Promise<TaskObservation> {
  const { cluster, service } = await createService(h, {
    desiredCount: 1,
    stopTimeout,
    environment: { IGNORE_SIGTERM: '1' },
  });
  const [task] = await waitForRunning(h, service, 1);
  await waitForLog(task!.logFile, 'started');
  await h.client.send(new UpdateServiceCommand({ cluster, service, desiredCount: 0 }));
  return task!;
}

/** Waits until a task asked to stop has stopped; returns how long after the request it stopped (ms). */
export async function stopGraceMs(h: EcsHarness, task: TaskObservation): Promise<number> {
  await h.ecs.observations.waitFor(() => task.stoppedAtMs !== undefined, 10_000, 'the stubborn task to stop');
  return task.stoppedAtMs! - task.stopRequestedAtMs!;
}
