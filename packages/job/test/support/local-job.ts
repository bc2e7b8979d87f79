/**
 * Test support (not part of the published API): a job deployed on a local backend as the CDK app
 * deploys it on AWS (the activities, an ECS cluster with a worker service at 0, the state machine
 * from `generateDefinition`). Shared by the tests of the
 * generator (packages/job) and of the controller (packages/controller); imported as
 * `@stepfleet/job/test-support`.
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { CreateActivityCommand, CreateStateMachineCommand, type SFNClient } from '@aws-sdk/client-sfn';
import {
  generateDefinition,
  type JobResources,
  type JobSpec,
  resourceNames,
  toJson,
} from '../../src/index.ts';

/** The role the test state machines run as. */
const ROLE = 'arn:aws:iam::000000000000:role/stepfleet-test';

/** The activities a deployed job has, handed to {@link JobDeployOptions.container}. */
export interface JobActivities {
  readonly activityArn: string;
  readonly aggregateActivityArn?: string;
}

/** How {@link deployJob} deploys a job. */
export interface JobDeployOptions {
  /** The bucket items are read from (omitted when the job's items name their own bucket). */
  readonly inputBucket?: string;
  readonly resultsBucket: string;
  /** A local function the ScaleUp/ScaleDown steps invoke; without one they call ECS UpdateService. */
  readonly controllerFunction?: string;
  /** The worker task's command line and environment. */
  container(activities: JobActivities): { command: readonly string[]; environment: Record<string, string> };
}

/** What {@link deployJob} created. */
export interface JobDeployment {
  readonly stateMachineArn: string;
  readonly cluster: string;
  readonly service: string;
  readonly resources: JobResources;
}

/** Deploys `job` on the backend of `clients` as CDK would on AWS; returns what it created. */
export async function deployJob(
  clients: { readonly sfn: SFNClient; readonly ecs: ECSClient },
  job: JobSpec,
  options: JobDeployOptions,
): Promise<JobDeployment> {
  const { sfn, ecs } = clients;
  const names = resourceNames(job.name);
  const activityArn = (await sfn.send(new CreateActivityCommand({ name: names.activity }))).activityArn!;
  const aggregateActivityArn = job.aggregate
    ? (await sfn.send(new CreateActivityCommand({ name: names.aggregateActivity }))).activityArn!
    : undefined;
  const activities: JobActivities = {
    activityArn,
    ...(aggregateActivityArn ? { aggregateActivityArn } : {}),
  };
  const container = options.container(activities);
  await ecs.send(new CreateClusterCommand({ clusterName: names.cluster }));
  const taskDefinition = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: names.service,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(job.worker.cpu),
      memory: String(job.worker.memoryMiB),
      containerDefinitions: [
        {
          name: names.container,
          image: 'stepfleet-worker',
          command: [...container.command],
          stopTimeout: job.worker.stopTimeoutSeconds,
          environment: Object.entries(container.environment).map(([name, value]) => ({ name, value })),
        },
      ],
    }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: names.cluster,
      serviceName: names.service,
      taskDefinition: taskDefinition.taskDefinition!.taskDefinitionArn!,
      desiredCount: 0,
      launchType: 'FARGATE',
    }),
  );
  const resources: JobResources = {
    ...activities,
    cluster: names.cluster,
    service: names.service,
    ...(options.inputBucket ? { inputBucket: options.inputBucket } : {}),
    resultsBucket: options.resultsBucket,
    ...(options.controllerFunction ? { controller: { functionName: options.controllerFunction } } : {}),
  };
  const created = await sfn.send(
    new CreateStateMachineCommand({
      name: names.stateMachine,
      roleArn: ROLE,
      definition: toJson(generateDefinition(job, resources)),
    }),
  );
  return {
    stateMachineArn: created.stateMachineArn!,
    cluster: names.cluster,
    service: names.service,
    resources,
  };
}
