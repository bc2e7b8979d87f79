import type { JsonOperation } from '../service.ts';
import { newDeploymentId, serviceArn, shortName } from './arns.ts';
import type { EcsState } from './ecs-state.ts';
import { invalidParameter, serviceNotActive } from './errors.ts';
import {
  type EcsInput,
  optionalBoolean,
  optionalInteger,
  optionalObjectList,
  optionalString,
  optionalStringList,
  paginate,
  refuseUnknownFields,
  requiredString,
} from './input.ts';
import type { Deployment, Service, TaskDefinition } from './model.ts';
import { addServiceEvent } from './scheduler.ts';
import { failure, serviceShape } from './shapes.ts';

const SERVICE_NAME = /^[a-zA-Z0-9_-]{1,255}$/;
/** The most tasks one service may ask for (ECS's "tasks per service" quota). */
const MAX_DESIRED_COUNT = 5000;
/** Service fields recorded and echoed by DescribeServices; they do not change how tasks run locally. */
const RECORDED_SERVICE_FIELDS = [
  'launchType',
  'capacityProviderStrategy',
  'platformVersion',
  'networkConfiguration',
  'deploymentConfiguration',
  'propagateTags',
  'enableECSManagedTags',
  'enableExecuteCommand',
  'availabilityZoneRebalancing',
];

/** CreateService, UpdateService, DescribeServices, ListServices, DeleteService. */
export function serviceOperations(state: EcsState): Record<string, JsonOperation> {
  return {
    CreateService(input, ctx) {
      refuseUnknownFields(
        input,
        [
          'serviceName',
          'cluster',
          'taskDefinition',
          'desiredCount',
          'schedulingStrategy',
          'deploymentController',
          'clientToken',
          'tags',
          ...RECORDED_SERVICE_FIELDS,
        ],
        'CreateService',
      );
      const name = requiredString(input, 'serviceName');
      if (!SERVICE_NAME.test(name)) {
        throw invalidParameter(
          'Service name can have up to 255 characters: letters, numbers, hyphens and underscores.',
        );
      }
      const schedulingStrategy = optionalString(input, 'schedulingStrategy') ?? 'REPLICA';
      if (schedulingStrategy !== 'REPLICA') {
        throw invalidParameter(
          `schedulingStrategy ${schedulingStrategy} is not supported by stepfleet local`,
        );
      }
      const controller = input.deploymentController as { type?: unknown } | undefined;
      if (controller !== undefined && controller?.type !== 'ECS') {
        throw invalidParameter('deploymentController: only type ECS is supported by stepfleet local');
      }
      checkLaunchChoice(input);
      const store = state.store(ctx);
      const cluster = state.cluster(store, optionalString(input, 'cluster'));
      const td = state.taskDefinition(store, requiredString(input, 'taskDefinition'));
      const desiredCount = optionalInteger(input, 'desiredCount', 0, MAX_DESIRED_COUNT);
      if (desiredCount === undefined)
        throw invalidParameter('desiredCount is required for a REPLICA service');
      const existing = cluster.services.get(name);
      if (existing && existing.status !== 'INACTIVE') {
        throw invalidParameter('Creation of service was not idempotent.');
      }
      const now = state.launcher.clock.now();
      const service: Service = {
        name,
        arn: serviceArn(store, cluster.name, name),
        cluster,
        status: 'ACTIVE',
        desiredCount,
        createdAtMs: now,
        recorded: recordedFields(input, {}),
        tags: optionalObjectList(input, 'tags') ?? [],
        deployments: [newDeployment(td, now)],
        events: [],
        tasks: new Set(),
        failureStreak: 0,
        restartNotBeforeMs: 0,
        steadyEventOwed: true,
      };
      cluster.services.set(name, service);
      state.reconcile(service);
      return { service: serviceShape(service) };
    },

    UpdateService(input, ctx) {
      refuseUnknownFields(
        input,
        [
          'service',
          'cluster',
          'desiredCount',
          'taskDefinition',
          'forceNewDeployment',
          ...RECORDED_SERVICE_FIELDS,
        ],
        'UpdateService',
      );
      checkLaunchChoice(input);
      const store = state.store(ctx);
      const cluster = state.cluster(store, optionalString(input, 'cluster'));
      const service = state.service(cluster, requiredString(input, 'service'));
      if (service.status !== 'ACTIVE') throw serviceNotActive();
      const desiredCount = optionalInteger(input, 'desiredCount', 0, MAX_DESIRED_COUNT);
      const tdRef = optionalString(input, 'taskDefinition');
      const td = tdRef === undefined ? undefined : state.taskDefinition(store, tdRef);
      const now = state.launcher.clock.now();
      const primary = service.deployments[0]!;
      if ((td && td !== primary.taskDefinition) || optionalBoolean(input, 'forceNewDeployment')) {
        primary.status = 'ACTIVE';
        service.deployments.unshift(newDeployment(td ?? primary.taskDefinition, now));
        // A new deployment is a fresh start: forget the crash-loop backoff of the old one.
        service.failureStreak = 0;
        service.restartNotBeforeMs = 0;
      }
      if (desiredCount !== undefined && desiredCount !== service.desiredCount) {
        service.desiredCount = desiredCount;
        service.steadyEventOwed = true;
        service.deployments[0]!.updatedAtMs = now;
      }
      service.recorded = recordedFields(input, service.recorded);
      state.reconcile(service);
      return { service: serviceShape(service) };
    },

    DescribeServices(input, ctx) {
      refuseUnknownFields(input, ['services', 'cluster', 'include'], 'DescribeServices');
      const refs = optionalStringList(input, 'services', 10);
      if (!refs || refs.length === 0)
        throw invalidParameter('services is required and must list 1 to 10 services');
      const store = state.store(ctx);
      const cluster = state.cluster(store, optionalString(input, 'cluster'));
      const withTags = optionalStringList(input, 'include')?.includes('TAGS') ?? false;
      const services: Record<string, unknown>[] = [];
      const failures: Record<string, string>[] = [];
      for (const ref of refs) {
        const service = cluster.services.get(shortName(ref, 'service'));
        if (service)
          services.push(withTags ? { ...serviceShape(service), tags: service.tags } : serviceShape(service));
        else
          failures.push(
            failure(ref.startsWith('arn:') ? ref : serviceArn(store, cluster.name, ref), 'MISSING'),
          );
      }
      return { services, failures };
    },

    ListServices(input, ctx) {
      refuseUnknownFields(
        input,
        ['cluster', 'launchType', 'schedulingStrategy', 'maxResults', 'nextToken', 'resourceManagementType'],
        'ListServices',
      );
      const cluster = state.cluster(state.store(ctx), optionalString(input, 'cluster'));
      const launchType = optionalString(input, 'launchType');
      const arns = [...cluster.services.values()]
        .filter((service) => service.status !== 'INACTIVE')
        .filter((service) => launchType === undefined || service.recorded.launchType === launchType)
        .map((service) => service.arn);
      // ECS's default page size for ListServices is 10.
      const { page, nextToken } = paginate(arns, input, 10);
      return { serviceArns: page, nextToken };
    },

    DeleteService(input, ctx) {
      refuseUnknownFields(input, ['service', 'cluster', 'force'], 'DeleteService');
      const cluster = state.cluster(state.store(ctx), optionalString(input, 'cluster'));
      const service = state.service(cluster, requiredString(input, 'service'));
      if (service.status !== 'ACTIVE') throw serviceNotActive();
      if (service.desiredCount > 0 && !optionalBoolean(input, 'force')) {
        throw invalidParameter('The service cannot be stopped while it is scaled above 0.');
      }
      service.desiredCount = 0;
      service.status = 'DRAINING';
      addServiceEvent(state.launcher, service, `(service ${service.name}) has been deleted.`);
      state.reconcile(service);
      return { service: serviceShape(service) };
    },
  };
}

function checkLaunchChoice(input: EcsInput): void {
  if (input.launchType !== undefined && input.capacityProviderStrategy !== undefined) {
    throw invalidParameter('Specifying both a launchType and capacityProviderStrategy is not supported.');
  }
  const launchType = optionalString(input, 'launchType');
  if (launchType !== undefined && !['FARGATE', 'EC2', 'EXTERNAL', 'MANAGED_INSTANCES'].includes(launchType)) {
    throw invalidParameter(
      `launchType must be FARGATE, EC2, EXTERNAL or MANAGED_INSTANCES, got ${launchType}`,
    );
  }
}

function recordedFields(input: EcsInput, previous: Record<string, unknown>): Record<string, unknown> {
  const recorded = { ...previous };
  for (const field of RECORDED_SERVICE_FIELDS) if (input[field] !== undefined) recorded[field] = input[field];
  // A capacity provider strategy replaces a launch type, and the other way round.
  if (input.capacityProviderStrategy !== undefined) delete recorded.launchType;
  if (input.launchType !== undefined) delete recorded.capacityProviderStrategy;
  return recorded;
}

function newDeployment(taskDefinition: TaskDefinition, nowMs: number): Deployment {
  return {
    id: newDeploymentId(),
    taskDefinition,
    status: 'PRIMARY',
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    rolloutState: 'IN_PROGRESS',
  };
}
