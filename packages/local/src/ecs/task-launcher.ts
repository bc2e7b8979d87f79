import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { containerArn, newTaskId, taskArn } from './arns.ts';
import type { Cluster, RegionStore, Service, StopCode, Task, TaskDefinition } from './model.ts';
import { MAX_STOPPED_TASKS_PER_CLUSTER } from './model.ts';
import type { EcsObservations } from './observations.ts';
import { clearProtection, isProtected } from './protection.ts';
import { TaskProcess } from './task-process.ts';

/** What starting and stopping tasks needs from the backend. */
export interface LauncherContext {
  readonly clock: Clock;
  readonly dataDir: string;
  /** The environment every task starts from (PATH, NODE_OPTIONS...). */
  readonly baseEnv: NodeJS.ProcessEnv;
  /** The backend's URL, e.g. `http://127.0.0.1:4599`. */
  readonly agentBaseUrl: () => string;
  readonly logger?: Logger;
  readonly observations: EcsObservations;
  /** Every task by id, for the agent endpoint. */
  readonly tasksById: Map<string, Task>;
  /** Told after a task changed state on its own (started, exited), outside any request. */
  onTaskChanged(task: Task): void;
}

/** Where the per-task agent endpoint lives, under the backend's URL. */
export const AGENT_PREFIX = '/_ecs-agent/';

/**
 * Variables that would give a task the host's AWS identity. A Fargate container never
 * inherits its host's credentials; it gets the task role's from the credentials endpoint.
 */
const HOST_CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
];

function withoutHostCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of HOST_CREDENTIAL_VARIABLES) delete copy[name];
  return copy;
}

/** The path of the task metadata endpoint v4 under a task's agent URI. */
export const METADATA_PATH = '/v4/';

/** What a new task is. */
export interface NewTask {
  readonly store: RegionStore;
  readonly cluster: Cluster;
  readonly taskDefinition: TaskDefinition;
  readonly service?: Service;
  readonly startedBy?: string;
  readonly group?: string;
  readonly launchType?: string;
  readonly capacityProviderName?: string;
  /** RunTask's containerOverrides for the task's one container. */
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * Creates a task in PROVISIONING and starts its process in the background. The returned task
 * is registered in its cluster (and service) at once, so the caller's response shows it.
 */
export function launchTask(ctx: LauncherContext, spec: NewTask): Task {
  const id = newTaskId();
  const container = spec.taskDefinition.container;
  const argv = spec.command ? [...container.entryPoint, ...spec.command] : container.argv;
  const task: Task = {
    id,
    arn: taskArn(spec.store, spec.cluster.name, id),
    cluster: spec.cluster,
    service: spec.service,
    taskDefinition: spec.taskDefinition,
    containerArn: containerArn(spec.store, spec.cluster.name, id),
    startedBy: spec.startedBy ?? (spec.service ? spec.service.deployments[0]?.id : undefined),
    group:
      spec.group ?? (spec.service ? `service:${spec.service.name}` : `family:${spec.taskDefinition.family}`),
    launchType: spec.launchType,
    capacityProviderName: spec.capacityProviderName,
    logFile: join(ctx.dataDir, 'ecs', 'logs', spec.service?.name ?? '_standalone', `${id}.log`),
    argv,
    environment: { ...container.environment, ...spec.environment },
    lastStatus: 'PROVISIONING',
    desiredStatus: 'RUNNING',
    createdAtMs: ctx.clock.now(),
    protection: { enabled: false },
  };
  spec.cluster.tasks.set(id, task);
  spec.service?.tasks.add(task);
  ctx.tasksById.set(id, task);
  ctx.observations.recordTask(task);
  task.finished = run(ctx, spec.store, task).catch((error: unknown) => {
    ctx.logger?.error({ err: error, taskId: id }, 'ecs task runner failed');
  });
  return task;
}

/**
 * Asks a task to stop: its desired status becomes STOPPED, its process gets SIGTERM and, after
 * the container's stopTimeout (clock time), SIGKILL. A task still provisioning is stopped as
 * soon as its process exists. Stopping a stopped task does nothing.
 */
export function stopTask(ctx: LauncherContext, task: Task, reason: string, stopCode: StopCode): void {
  if (task.desiredStatus === 'STOPPED' || task.lastStatus === 'STOPPED') return;
  task.desiredStatus = 'STOPPED';
  task.stoppingAtMs = ctx.clock.now();
  task.stoppedReason = reason;
  task.stopCode = stopCode;
  task.protectedWhenStopRequested = isProtected(task);
  if (task.lastStatus === 'RUNNING') task.lastStatus = 'DEPROVISIONING';
  task.process?.terminate(task.taskDefinition.container.stopTimeoutSeconds);
  ctx.observations.recordTask(task);
}

/** The argv a container runs: `node` as argv[0] is the backend's own Node binary. */
export function resolveArgv(argv: readonly string[]): string[] {
  const [program, ...args] = argv;
  return program === 'node' ? [process.execPath, ...args] : [...argv];
}

/**
 * The environment of a task's process: the backend's (without its AWS credentials), the
 * variables ECS gives a Fargate container, the task definition's, then the agent's.
 */
export function taskEnvironment(ctx: LauncherContext, store: RegionStore, task: Task): NodeJS.ProcessEnv {
  const agentUri = `${ctx.agentBaseUrl()}${AGENT_PREFIX}${task.id}`;
  const env: NodeJS.ProcessEnv = {
    ...withoutHostCredentials(ctx.baseEnv),
    AWS_REGION: store.region,
    AWS_DEFAULT_REGION: store.region,
    // Tasks of the local backend talk to it, as a Fargate task talks to its region's endpoints.
    AWS_ENDPOINT_URL: ctx.agentBaseUrl(),
    // Credentials as a Fargate task gets them: from the container credentials endpoint.
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${agentUri}/credentials`,
    ...task.environment,
    ECS_AGENT_URI: agentUri,
    // Shaped as on Fargate (`.../v4/<taskId>-<n>`), so code that reads the task id from it works.
    ECS_CONTAINER_METADATA_URI_V4: `${agentUri}${METADATA_PATH}${task.id}-0`,
  };
  return env;
}

async function run(ctx: LauncherContext, store: RegionStore, task: Task): Promise<void> {
  task.lastStatus = 'PENDING';
  const container = task.taskDefinition.container;
  const proc = await TaskProcess.start(
    {
      argv: resolveArgv(task.argv),
      env: taskEnvironment(ctx, store, task),
      cwd: container.workingDirectory,
      logFile: task.logFile,
    },
    ctx.clock,
  );
  task.process = proc;
  if (proc.running) {
    if (task.desiredStatus === 'STOPPED') {
      task.lastStatus = 'DEPROVISIONING';
      proc.terminate(container.stopTimeoutSeconds);
    } else {
      task.lastStatus = 'RUNNING';
    }
    task.startedAtMs = ctx.clock.now();
    ctx.observations.recordTask(task);
    ctx.logger?.debug({ taskId: task.id, pid: proc.pid, service: task.service?.name }, 'ecs task started');
    ctx.onTaskChanged(task);
  }
  const exit = await proc.exited;
  task.lastStatus = 'STOPPED';
  task.desiredStatus = 'STOPPED';
  task.stoppedAtMs = ctx.clock.now();
  task.exitCode = exit.code ?? undefined;
  if (exit.spawnError) {
    task.containerReason = `CannotStartContainerError: ${exit.spawnError.message}`;
    task.stopCode ??= 'TaskFailedToStart';
    task.stoppedReason ??= task.containerReason;
  } else {
    if (exit.signal) task.containerReason = `Process ended by ${exit.signal}`;
    task.stopCode ??= 'EssentialContainerExited';
    task.stoppedReason ??= 'Essential container in task exited';
  }
  clearProtection(task);
  task.service?.tasks.delete(task);
  pruneStoppedTasks(ctx, task.cluster);
  ctx.observations.recordExit(task, exit.code, exit.signal);
  ctx.logger?.debug(
    { taskId: task.id, code: exit.code, signal: exit.signal, reason: task.stoppedReason },
    'ecs task stopped',
  );
  ctx.onTaskChanged(task);
}

function pruneStoppedTasks(ctx: LauncherContext, cluster: Cluster): void {
  let stopped = 0;
  for (const task of cluster.tasks.values()) if (task.lastStatus === 'STOPPED') stopped++;
  for (const [id, task] of cluster.tasks) {
    if (stopped <= MAX_STOPPED_TASKS_PER_CLUSTER) break;
    if (task.lastStatus !== 'STOPPED') continue;
    cluster.tasks.delete(id);
    ctx.tasksById.delete(id);
    stopped--;
  }
}
