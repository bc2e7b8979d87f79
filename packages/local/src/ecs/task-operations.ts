import type { JsonOperation } from '../service.ts';
import { clusterInArn, shortName, taskArn } from './arns.ts';
import type { EcsState } from './ecs-state.ts';
import { invalidParameter } from './errors.ts';
import {
  type EcsInput,
  optionalInteger,
  optionalObjectList,
  optionalString,
  optionalStringList,
  paginate,
  refuseUnknownFields,
  requiredString,
} from './input.ts';
import type { Cluster, Task } from './model.ts';
import { failure, taskShape } from './shapes.ts';
import { launchTask, stopTask } from './task-launcher.ts';

/** A task of a cluster by id or ARN, if the cluster has it. */
export function findTask(cluster: Cluster, ref: string): Task | undefined {
  const inArn = clusterInArn(ref);
  if (inArn !== undefined && inArn !== cluster.name) return undefined;
  return cluster.tasks.get(shortName(ref, 'task'));
}

/** The ARN to name a task ref by in a failure: the ref itself if it is an ARN. */
export function taskRefArn(cluster: Cluster, ref: string): string {
  return ref.startsWith('arn:') ? ref : taskArn(cluster.store, cluster.name, ref);
}

/** Fields RunTask records (on the task) but that do not change how the process runs. */
const RUN_TASK_RECORDED = [
  'networkConfiguration',
  'platformVersion',
  'propagateTags',
  'enableECSManagedTags',
  'enableExecuteCommand',
  'clientToken',
  'tags',
];

/** ListTasks, DescribeTasks, RunTask, StopTask. */
export function taskOperations(state: EcsState): Record<string, JsonOperation> {
  return {
    ListTasks(input, ctx) {
      refuseUnknownFields(
        input,
        [
          'cluster',
          'serviceName',
          'desiredStatus',
          'family',
          'startedBy',
          'launchType',
          'maxResults',
          'nextToken',
        ],
        'ListTasks',
      );
      const cluster = state.cluster(state.store(ctx), optionalString(input, 'cluster'));
      const serviceName = optionalString(input, 'serviceName');
      const service = serviceName === undefined ? undefined : state.service(cluster, serviceName);
      const desiredStatus = optionalString(input, 'desiredStatus') ?? 'RUNNING';
      if (!['RUNNING', 'PENDING', 'STOPPED'].includes(desiredStatus)) {
        throw invalidParameter(`desiredStatus must be RUNNING, PENDING or STOPPED, got ${desiredStatus}`);
      }
      const family = optionalString(input, 'family');
      const startedBy = optionalString(input, 'startedBy');
      const launchType = optionalString(input, 'launchType');
      const arns = [...cluster.tasks.values()]
        .filter((task) =>
          desiredStatus === 'PENDING'
            ? task.desiredStatus === 'RUNNING' && task.lastStatus !== 'RUNNING'
            : task.desiredStatus === desiredStatus,
        )
        .filter((task) => service === undefined || task.service === service)
        .filter((task) => family === undefined || task.taskDefinition.family === family)
        .filter((task) => startedBy === undefined || task.startedBy === startedBy)
        .filter((task) => launchType === undefined || task.launchType === launchType)
        .map((task) => task.arn);
      const { page, nextToken } = paginate(arns, input, 100);
      return { taskArns: page, nextToken };
    },

    DescribeTasks(input, ctx) {
      refuseUnknownFields(input, ['cluster', 'tasks', 'include'], 'DescribeTasks');
      const refs = optionalStringList(input, 'tasks', 100);
      if (!refs || refs.length === 0)
        throw invalidParameter('tasks is required and must list 1 to 100 tasks');
      const cluster = state.cluster(state.store(ctx), optionalString(input, 'cluster'));
      const tasks: Record<string, unknown>[] = [];
      const failures: Record<string, string>[] = [];
      for (const ref of refs) {
        const task = findTask(cluster, ref);
        if (task) tasks.push(taskShape(task));
        else failures.push(failure(taskRefArn(cluster, ref), 'MISSING'));
      }
      return { tasks, failures };
    },

    RunTask(input, ctx) {
      refuseUnknownFields(
        input,
        [
          'cluster',
          'taskDefinition',
          'count',
          'startedBy',
          'group',
          'launchType',
          'capacityProviderStrategy',
          'overrides',
          ...RUN_TASK_RECORDED,
        ],
        'RunTask',
      );
      if (input.launchType !== undefined && input.capacityProviderStrategy !== undefined) {
        throw invalidParameter('Specifying both a launchType and capacityProviderStrategy is not supported.');
      }
      const store = state.store(ctx);
      const cluster = state.cluster(store, optionalString(input, 'cluster'));
      const td = state.taskDefinition(store, requiredString(input, 'taskDefinition'));
      const count = optionalInteger(input, 'count', 1, 10) ?? 1;
      const override = containerOverride(input, td.container.name);
      const strategy = optionalObjectList(input, 'capacityProviderStrategy');
      const tasks: Task[] = [];
      for (let i = 0; i < count; i++) {
        tasks.push(
          launchTask(state.launcher, {
            store,
            cluster,
            taskDefinition: td,
            startedBy: optionalString(input, 'startedBy'),
            group: optionalString(input, 'group'),
            launchType: optionalString(input, 'launchType'),
            capacityProviderName: strategy?.[0]?.capacityProvider as string | undefined,
            command: override.command,
            environment: override.environment,
          }),
        );
      }
      return { tasks: tasks.map(taskShape), failures: [] };
    },

    StopTask(input, ctx) {
      refuseUnknownFields(input, ['cluster', 'task', 'reason'], 'StopTask');
      const cluster = state.cluster(state.store(ctx), optionalString(input, 'cluster'));
      const task = findTask(cluster, requiredString(input, 'task'));
      if (!task) throw invalidParameter('The referenced task was not found.');
      const reason = optionalString(input, 'reason') ?? 'Task stopped by user';
      if (reason.length > 255) throw invalidParameter('reason can be at most 255 characters');
      stopTask(state.launcher, task, reason, 'UserInitiated');
      // The service replaces a task stopped by hand, as ECS does.
      if (task.service) state.reconcile(task.service);
      return { task: taskShape(task) };
    },
  };
}

function containerOverride(
  input: EcsInput,
  containerName: string,
): { command?: string[]; environment?: Record<string, string> } {
  const overrides = input.overrides as EcsInput | undefined;
  if (overrides === undefined) return {};
  if (typeof overrides !== 'object' || overrides === null)
    throw invalidParameter('overrides must be an object');
  refuseUnknownFields(overrides, ['containerOverrides'], 'RunTask overrides');
  const list = optionalObjectList(overrides, 'containerOverrides') ?? [];
  if (list.length === 0) return {};
  if (list.length > 1) throw invalidParameter('containerOverrides: the task has one container');
  const override = list[0]!;
  refuseUnknownFields(override, ['name', 'command', 'environment'], 'RunTask containerOverrides');
  const name = optionalString(override, 'name');
  if (name !== undefined && name !== containerName) {
    throw invalidParameter(`containerOverrides: no container named ${name} in the task definition`);
  }
  const environment: Record<string, string> = {};
  for (const pair of optionalObjectList(override, 'environment') ?? []) {
    environment[requiredString(pair, 'name')] = optionalString(pair, 'value') ?? '';
  }
  return { command: optionalStringList(override, 'command'), environment };
}
