import type { Cluster, Service, Task, TaskDefinition } from './model.ts';
import { serviceCounts } from './scheduler.ts';

/**
 * The wire shapes of ECS resources (AWS JSON 1.1: timestamps are epoch seconds).
 * Field names and values as in the ECS API reference data types (Cluster, Service, Task,
 * TaskDefinition, Deployment, ServiceEvent, Failure, ProtectedTask).
 */

/** Epoch seconds, as the JSON protocols carry timestamps. */
export const epochSeconds = (ms: number): number => ms / 1000;

/** A `Failure` entry. */
export const failure = (arn: string, reason: string, detail?: string): Record<string, string> =>
  detail === undefined ? { arn, reason } : { arn, reason, detail };

/** The `Cluster` shape. */
export function clusterShape(cluster: Cluster): Record<string, unknown> {
  let runningTasksCount = 0;
  let pendingTasksCount = 0;
  for (const task of cluster.tasks.values()) {
    if (task.lastStatus === 'RUNNING') runningTasksCount++;
    else if (task.lastStatus === 'PROVISIONING' || task.lastStatus === 'PENDING') pendingTasksCount++;
  }
  let activeServicesCount = 0;
  for (const service of cluster.services.values()) if (service.status === 'ACTIVE') activeServicesCount++;
  return {
    clusterArn: cluster.arn,
    clusterName: cluster.name,
    status: cluster.status,
    registeredContainerInstancesCount: 0,
    runningTasksCount,
    pendingTasksCount,
    activeServicesCount,
    statistics: [],
    tags: [],
    settings: cluster.recorded.settings ?? [{ name: 'containerInsights', value: 'disabled' }],
    capacityProviders: cluster.recorded.capacityProviders ?? [],
    defaultCapacityProviderStrategy: cluster.recorded.defaultCapacityProviderStrategy ?? [],
  };
}

/** The `TaskDefinition` shape. */
export function taskDefinitionShape(td: TaskDefinition): Record<string, unknown> {
  const requires = (td.recorded.requiresCompatibilities as string[] | undefined) ?? [];
  return {
    ...td.recorded,
    taskDefinitionArn: td.arn,
    family: td.family,
    revision: td.revision,
    status: td.status,
    containerDefinitions: [td.container.definition],
    requiresCompatibilities: requires,
    compatibilities: ['EC2', 'FARGATE'],
    registeredAt: epochSeconds(td.registeredAtMs),
  };
}

/** The `Task` shape. */
export function taskShape(task: Task): Record<string, unknown> {
  const container: Record<string, unknown> = {
    containerArn: task.containerArn,
    taskArn: task.arn,
    name: task.taskDefinition.container.name,
    image: task.taskDefinition.container.image,
    lastStatus: task.lastStatus === 'DEPROVISIONING' ? 'RUNNING' : containerStatus(task),
    networkBindings: [],
    networkInterfaces: [],
  };
  const pid = task.process?.pid;
  if (pid !== undefined) container.runtimeId = String(pid);
  if (task.exitCode !== undefined) container.exitCode = task.exitCode;
  if (task.containerReason !== undefined) container.reason = task.containerReason;
  const shape: Record<string, unknown> = {
    taskArn: task.arn,
    clusterArn: task.cluster.arn,
    taskDefinitionArn: task.taskDefinition.arn,
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    createdAt: epochSeconds(task.createdAtMs),
    group: task.group,
    containers: [container],
    overrides: { containerOverrides: [{ name: task.taskDefinition.container.name }] },
    protectionEnabled: task.protection.enabled,
    version: 1,
    tags: [],
    attachments: [],
  };
  const optional: Record<string, unknown> = {
    startedBy: task.startedBy,
    launchType: task.launchType,
    capacityProviderName: task.capacityProviderName,
    cpu: task.taskDefinition.recorded.cpu,
    memory: task.taskDefinition.recorded.memory,
    startedAt: task.startedAtMs === undefined ? undefined : epochSeconds(task.startedAtMs),
    stoppingAt: task.stoppingAtMs === undefined ? undefined : epochSeconds(task.stoppingAtMs),
    stoppedAt: task.stoppedAtMs === undefined ? undefined : epochSeconds(task.stoppedAtMs),
    executionStoppedAt: task.stoppedAtMs === undefined ? undefined : epochSeconds(task.stoppedAtMs),
    stoppedReason: task.stoppedReason,
    stopCode: task.stopCode,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) shape[key] = value;
  return shape;
}

function containerStatus(task: Task): string {
  return task.lastStatus === 'PROVISIONING' ? 'PENDING' : task.lastStatus;
}

/** The `Service` shape, with its deployments and newest-first events. */
export function serviceShape(service: Service): Record<string, unknown> {
  const { runningCount, pendingCount } = serviceCounts(service);
  const primary = service.deployments[0];
  const deployments = service.deployments.map((deployment) => {
    let running = 0;
    let pending = 0;
    for (const task of service.tasks) {
      if (task.taskDefinition !== deployment.taskDefinition) continue;
      if (task.lastStatus === 'RUNNING') running++;
      else if (task.lastStatus === 'PROVISIONING' || task.lastStatus === 'PENDING') pending++;
    }
    return {
      id: deployment.id,
      status: deployment.status,
      taskDefinition: deployment.taskDefinition.arn,
      desiredCount: deployment === primary ? service.desiredCount : 0,
      runningCount: running,
      pendingCount: pending,
      failedTasks: 0,
      createdAt: epochSeconds(deployment.createdAtMs),
      updatedAt: epochSeconds(deployment.updatedAtMs),
      rolloutState: deployment.rolloutState,
      ...pick(service.recorded, [
        'launchType',
        'capacityProviderStrategy',
        'platformVersion',
        'networkConfiguration',
      ]),
    };
  });
  return {
    serviceArn: service.arn,
    serviceName: service.name,
    clusterArn: service.cluster.arn,
    status: service.status,
    desiredCount: service.desiredCount,
    runningCount,
    pendingCount,
    taskDefinition: primary?.taskDefinition.arn,
    deployments,
    events: service.events.map((event) => ({
      id: event.id,
      createdAt: epochSeconds(event.createdAtMs),
      message: event.message,
    })),
    createdAt: epochSeconds(service.createdAtMs),
    schedulingStrategy: 'REPLICA',
    deploymentConfiguration: service.recorded.deploymentConfiguration ?? {
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      deploymentCircuitBreaker: { enable: false, rollback: false },
    },
    loadBalancers: [],
    serviceRegistries: [],
    placementConstraints: [],
    placementStrategy: [],
    enableECSManagedTags: service.recorded.enableECSManagedTags ?? false,
    propagateTags: service.recorded.propagateTags ?? 'NONE',
    enableExecuteCommand: service.recorded.enableExecuteCommand ?? false,
    ...pick(service.recorded, [
      'launchType',
      'capacityProviderStrategy',
      'platformVersion',
      'networkConfiguration',
    ]),
  };
}

function pick(source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
