import type { JsonOperation } from '../service.ts';
import { taskDefinitionArn } from './arns.ts';
import type { EcsState } from './ecs-state.ts';
import { clientException, invalidParameter } from './errors.ts';
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
import type { ContainerSpec, TaskDefinition } from './model.ts';
import { taskDefinitionShape } from './shapes.ts';

/** ECS's default container stopTimeout, in seconds (ContainerDefinition.stopTimeout). */
const DEFAULT_STOP_TIMEOUT_SECONDS = 30;
/** Fargate's maximum container stopTimeout, in seconds. */
const MAX_STOP_TIMEOUT_SECONDS = 120;

const FAMILY = /^[a-zA-Z0-9_-]{1,255}$/;
/** Task-level fields recorded and echoed by Describe; none changes how the process runs. */
const RECORDED_TASK_FIELDS = [
  'cpu',
  'memory',
  'networkMode',
  'requiresCompatibilities',
  'executionRoleArn',
  'taskRoleArn',
  'runtimePlatform',
  'ephemeralStorage',
];
/** Container fields recorded and echoed; they describe the container, not the local process. */
const RECORDED_CONTAINER_FIELDS = [
  'essential',
  'cpu',
  'memory',
  'memoryReservation',
  'portMappings',
  'logConfiguration',
  'user',
  'readonlyRootFilesystem',
  'ulimits',
  'linuxParameters',
  'startTimeout',
  'dockerLabels',
  'healthCheck',
  'versionConsistency',
];
const USED_CONTAINER_FIELDS = [
  'name',
  'image',
  'command',
  'entryPoint',
  'environment',
  'workingDirectory',
  'stopTimeout',
];

/** RegisterTaskDefinition, DescribeTaskDefinition, DeregisterTaskDefinition, ListTaskDefinitions. */
export function taskDefinitionOperations(state: EcsState): Record<string, JsonOperation> {
  return {
    RegisterTaskDefinition(input, ctx) {
      refuseUnknownFields(
        input,
        ['family', 'containerDefinitions', 'tags', 'volumes', ...RECORDED_TASK_FIELDS],
        'RegisterTaskDefinition',
      );
      const family = requiredString(input, 'family');
      if (!FAMILY.test(family)) {
        throw clientException(
          'Family can have up to 255 characters: letters, numbers, hyphens and underscores.',
        );
      }
      if ((optionalObjectList(input, 'volumes') ?? []).length > 0) {
        throw invalidParameter('RegisterTaskDefinition: volumes are not supported by stepfleet local');
      }
      const containers = optionalObjectList(input, 'containerDefinitions') ?? [];
      if (containers.length !== 1) {
        throw clientException(
          `stepfleet local runs tasks of exactly one container; containerDefinitions has ${containers.length}`,
        );
      }
      const container = containerSpec(containers[0]!);
      const store = state.store(ctx);
      const revisions = store.taskDefinitions.get(family) ?? [];
      const revision = revisions.length + 1;
      const recorded: Record<string, unknown> = {};
      for (const field of RECORDED_TASK_FIELDS)
        if (input[field] !== undefined) recorded[field] = input[field];
      const td: TaskDefinition = {
        arn: taskDefinitionArn(store, family, revision),
        family,
        revision,
        status: 'ACTIVE',
        container,
        registeredAtMs: state.launcher.clock.now(),
        recorded,
        tags: optionalObjectList(input, 'tags') ?? [],
      };
      revisions.push(td);
      store.taskDefinitions.set(family, revisions);
      return { taskDefinition: taskDefinitionShape(td), tags: td.tags };
    },

    DescribeTaskDefinition(input, ctx) {
      refuseUnknownFields(input, ['taskDefinition', 'include'], 'DescribeTaskDefinition');
      const td = state.taskDefinition(state.store(ctx), requiredString(input, 'taskDefinition'));
      const withTags = optionalStringList(input, 'include')?.includes('TAGS');
      return withTags
        ? { taskDefinition: taskDefinitionShape(td), tags: td.tags }
        : { taskDefinition: taskDefinitionShape(td) };
    },

    DeregisterTaskDefinition(input, ctx) {
      refuseUnknownFields(input, ['taskDefinition'], 'DeregisterTaskDefinition');
      const ref = requiredString(input, 'taskDefinition');
      if (!ref.includes(':'))
        throw invalidParameter('taskDefinition must include a revision (family:revision)');
      const td = state.taskDefinition(state.store(ctx), ref);
      td.status = 'INACTIVE';
      return { taskDefinition: taskDefinitionShape(td) };
    },

    ListTaskDefinitions(input, ctx) {
      refuseUnknownFields(
        input,
        ['familyPrefix', 'status', 'sort', 'maxResults', 'nextToken'],
        'ListTaskDefinitions',
      );
      const prefix = optionalString(input, 'familyPrefix') ?? '';
      const status = optionalString(input, 'status') ?? 'ACTIVE';
      const sort = optionalString(input, 'sort') ?? 'ASC';
      const arns = [...state.store(ctx).taskDefinitions.values()]
        .flat()
        .filter((td) => td.family.startsWith(prefix) && td.status === status)
        .map((td) => td.arn);
      if (sort === 'DESC') arns.reverse();
      const { page, nextToken } = paginate(arns, input, 100);
      return { taskDefinitionArns: page, nextToken };
    },
  };
}

function containerSpec(definition: EcsInput): ContainerSpec {
  const where = 'containerDefinitions[0]';
  for (const field of Object.keys(definition)) {
    if (!USED_CONTAINER_FIELDS.includes(field) && !RECORDED_CONTAINER_FIELDS.includes(field)) {
      throw invalidParameter(`${where}.${field} is not supported by stepfleet local`);
    }
  }
  const name = requiredString(definition, 'name');
  const image = requiredString(definition, 'image');
  const entryPoint = optionalStringList(definition, 'entryPoint') ?? [];
  const command = optionalStringList(definition, 'command') ?? [];
  const argv = [...entryPoint, ...command];
  if (argv.length === 0 || argv[0] === '') {
    throw clientException(
      `${where} (${name}) has no command: stepfleet local runs a container's entryPoint/command as a local process, not its image`,
    );
  }
  const environment: Record<string, string> = {};
  for (const pair of optionalObjectList(definition, 'environment') ?? []) {
    const key = requiredString(pair, 'name');
    environment[key] = optionalString(pair, 'value') ?? '';
  }
  const stopTimeoutSeconds =
    optionalInteger(definition, 'stopTimeout', 0, MAX_STOP_TIMEOUT_SECONDS) ?? DEFAULT_STOP_TIMEOUT_SECONDS;
  const workingDirectory = optionalString(definition, 'workingDirectory');
  return {
    name,
    image,
    entryPoint,
    argv,
    environment,
    workingDirectory,
    stopTimeoutSeconds,
    definition: {
      essential: true,
      environment: [],
      portMappings: [],
      mountPoints: [],
      volumesFrom: [],
      ...definition,
      stopTimeout: stopTimeoutSeconds,
    },
  };
}
