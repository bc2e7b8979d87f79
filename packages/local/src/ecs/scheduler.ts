import { randomUUID } from 'node:crypto';
import type { Deployment, RegionStore, Service, Task } from './model.ts';
import { MAX_SERVICE_EVENTS } from './model.ts';
import { isProtected } from './protection.ts';
import { type LauncherContext, launchTask, stopTask } from './task-launcher.ts';

/**
 * The service scheduler: keeps each service's running tasks at its desired count, level
 * triggered. It runs on every change (API call, task start or exit, protection change) and
 * on a slow safety-net timer; it never polls processes.
 */

/** A task that exits on its own within this much simulated time counts toward a crash loop. */
const CRASH_WINDOW_MS = 10_000;
/** Restart backoff after repeated quick exits: 1 s, 2 s, 4 s... up to 30 s of simulated time. */
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

/** Adds an event to a service, newest first; the same message twice in a row is kept once. */
export function addServiceEvent(ctx: LauncherContext, service: Service, message: string): void {
  if (service.events[0]?.message === message) return;
  service.events.unshift({ id: randomUUID(), createdAtMs: ctx.clock.now(), message });
  ctx.logger?.info({ service: service.arn }, message);
  if (service.events.length > MAX_SERVICE_EVENTS) service.events.length = MAX_SERVICE_EVENTS;
}

/** Counts of a service's tasks as DescribeServices reports them. */
export function serviceCounts(service: Service): { runningCount: number; pendingCount: number } {
  let runningCount = 0;
  let pendingCount = 0;
  for (const task of service.tasks) {
    if (task.lastStatus === 'RUNNING') runningCount++;
    else if (task.lastStatus === 'PROVISIONING' || task.lastStatus === 'PENDING') pendingCount++;
  }
  return { runningCount, pendingCount };
}

/** Brings a service's tasks toward its desired count and deployment. Synchronous and idempotent. */
export function reconcileService(ctx: LauncherContext, store: RegionStore, service: Service): void {
  if (service.status !== 'ACTIVE') {
    drain(ctx, service);
  } else {
    replaceOldDeployments(ctx, service);
    scale(ctx, store, service);
  }
  updateDeployments(ctx, service);
  const { runningCount, pendingCount } = serviceCounts(service);
  ctx.observations.recordCounts(service, runningCount, pendingCount);
  const settled =
    runningCount === service.desiredCount && pendingCount === 0 && service.tasks.size === runningCount;
  if (settled && service.steadyEventOwed && service.status === 'ACTIVE') {
    service.steadyEventOwed = false;
    addServiceEvent(ctx, service, `(service ${service.name}) has reached a steady state.`);
  }
}

/**
 * Called when one of the service's tasks stopped: a task that exited by itself (not asked to
 * stop) soon after starting lengthens the restart backoff, so a crash-looping command does
 * not spin the CPU.
 */
export function noteTaskStopped(ctx: LauncherContext, service: Service, task: Task): void {
  service.steadyEventOwed = true;
  const askedToStop = task.stopCode === 'UserInitiated' || task.stopCode === 'ServiceSchedulerInitiated';
  if (askedToStop) return;
  if (task.stopCode === 'TaskFailedToStart') {
    addServiceEvent(
      ctx,
      service,
      `(service ${service.name}) failed to launch a task with (error ${task.containerReason ?? 'unknown'}).`,
    );
  }
  const ranMs = ((task.stoppedAtMs ?? 0) - (task.startedAtMs ?? task.createdAtMs)) * ctx.clock.timeScale;
  service.failureStreak = ranMs < CRASH_WINDOW_MS ? service.failureStreak + 1 : 1;
  if (service.failureStreak < 2) return;
  const delayMs = Math.min(BACKOFF_BASE_MS * 2 ** (service.failureStreak - 2), BACKOFF_MAX_MS);
  const notBefore = ctx.clock.now() + delayMs / ctx.clock.timeScale;
  if (notBefore <= service.restartNotBeforeMs) return;
  service.restartNotBeforeMs = notBefore;
  addServiceEvent(
    ctx,
    service,
    `(service ${service.name}) is unable to consistently start tasks successfully. ` +
      `Retrying in ${Math.round(delayMs / 1000)} seconds.`,
  );
}

function liveTasks(service: Service): Task[] {
  return [...service.tasks].filter((task) => task.desiredStatus === 'RUNNING');
}

function drain(ctx: LauncherContext, service: Service): void {
  for (const task of liveTasks(service)) {
    stopTask(ctx, task, 'Service deleted', 'ServiceSchedulerInitiated');
  }
  if (service.status === 'DRAINING' && service.tasks.size === 0) service.status = 'INACTIVE';
}

function replaceOldDeployments(ctx: LauncherContext, service: Service): void {
  const primary = service.deployments[0];
  if (!primary) return;
  for (const task of liveTasks(service)) {
    // Protection guards tasks against deployments too: they keep running until released.
    if (task.taskDefinition !== primary.taskDefinition && !isProtected(task)) {
      stopTask(
        ctx,
        task,
        `Deployment replaced the task (deployment ${primary.id})`,
        'ServiceSchedulerInitiated',
      );
    }
  }
}

function scale(ctx: LauncherContext, store: RegionStore, service: Service): void {
  const primary = service.deployments[0];
  if (!primary) return;
  const current = liveTasks(service).filter((task) => task.taskDefinition === primary.taskDefinition);
  const missing = service.desiredCount - current.length;
  if (missing > 0) start(ctx, store, service, missing);
  if (missing < 0) scaleIn(ctx, service, current, -missing);
}

function start(ctx: LauncherContext, store: RegionStore, service: Service, count: number): void {
  const waitMs = service.restartNotBeforeMs - ctx.clock.now();
  if (waitMs > 0) {
    if (!service.restartTimer) {
      // The clock scaled the wait already; this timer is in real milliseconds.
      service.restartTimer = setTimeout(() => {
        service.restartTimer = undefined;
        try {
          reconcileService(ctx, store, service);
        } catch (error) {
          ctx.logger?.error({ err: error, service: service.arn }, 'ecs reconcile failed');
        }
      }, waitMs + 5);
      service.restartTimer.unref();
    }
    return;
  }
  const primary = service.deployments[0]!;
  const strategy = service.recorded.capacityProviderStrategy as { capacityProvider?: string }[] | undefined;
  const started: Task[] = [];
  for (let i = 0; i < count; i++) {
    started.push(
      launchTask(ctx, {
        store,
        cluster: service.cluster,
        service,
        taskDefinition: primary.taskDefinition,
        launchType: service.recorded.launchType as string | undefined,
        capacityProviderName: strategy?.[0]?.capacityProvider,
      }),
    );
  }
  service.steadyEventOwed = true;
  addServiceEvent(
    ctx,
    service,
    `(service ${service.name}) has started ${count} tasks: ${started.map((t) => `(task ${t.id})`).join(' ')}.`,
  );
}

function scaleIn(ctx: LauncherContext, service: Service, current: Task[], excess: number): void {
  // Tasks not running yet go first, then the newest, as ECS's default placement does on Fargate.
  // `current` is in launch order, so a higher index is a newer task.
  const candidates = current
    .map((task, launchOrder) => ({ task, launchOrder }))
    .filter(({ task }) => !isProtected(task))
    .sort((a, b) => pendingFirst(a.task) - pendingFirst(b.task) || b.launchOrder - a.launchOrder)
    .map(({ task }) => task);
  const stopping = candidates.slice(0, excess);
  const primary = service.deployments[0]!;
  for (const task of stopping) {
    stopTask(
      ctx,
      task,
      `Scaling activity initiated by (deployment ${primary.id})`,
      'ServiceSchedulerInitiated',
    );
  }
  if (stopping.length > 0) {
    service.steadyEventOwed = true;
    addServiceEvent(
      ctx,
      service,
      `(service ${service.name}) has stopped ${stopping.length} running tasks: ` +
        `${stopping.map((t) => `(task ${t.id})`).join(' ')}.`,
    );
  }
  const blocked = excess - stopping.length;
  const message =
    blocked > 0
      ? `(service ${service.name}) was unable to scale in due to (reason ${blocked} tasks under protection).`
      : undefined;
  if (message && message !== service.lastBlockedEvent) addServiceEvent(ctx, service, message);
  service.lastBlockedEvent = message;
}

function pendingFirst(task: Task): number {
  return task.lastStatus === 'RUNNING' ? 1 : 0;
}

function updateDeployments(ctx: LauncherContext, service: Service): void {
  const now = ctx.clock.now();
  const [primary, ...older] = service.deployments;
  if (!primary) return;
  const remaining: Deployment[] = [primary];
  for (const deployment of older) {
    const hasTasks = [...service.tasks].some((task) => task.taskDefinition === deployment.taskDefinition);
    if (hasTasks) remaining.push(deployment);
    else deployment.status = 'INACTIVE';
  }
  service.deployments = remaining;
  const primaryRunning = [...service.tasks].filter(
    (task) => task.taskDefinition === primary.taskDefinition && task.lastStatus === 'RUNNING',
  ).length;
  const completed = remaining.length === 1 && primaryRunning === service.desiredCount;
  if (completed && primary.rolloutState === 'IN_PROGRESS') {
    primary.rolloutState = 'COMPLETED';
    primary.updatedAtMs = now;
    addServiceEvent(
      ctx,
      service,
      `(service ${service.name}) (deployment ${primary.id}) deployment completed.`,
    );
  }
}
