/**
 * Deploys a job on a local backend the way the CDK app deploys it on AWS: buckets, the
 * activities, an ECS cluster and service (at 0) whose task runs `stepfleet worker` with the
 * job's handlers, and the state machine from `generateDefinition`. Idempotent: deploying the
 * same job again updates the service and the state machine, also when several deploys of it run
 * at once (two `stepfleet run` of one job on one backend).
 */
import { fileURLToPath } from 'node:url';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  type SFNClient,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { generateDefinition, type JobResources, type JobSpec, resourceNames, toJson } from '@stepfleet/job';

/** The `stepfleet` command's entry script, run by the worker tasks. */
export const CLI_BIN = fileURLToPath(new URL('../bin/stepfleet.js', import.meta.url));

/** Bucket of the Map Run results (and spilled batch outputs) of local runs. */
export const LOCAL_RESULTS_BUCKET = 'stepfleet-results';

/** Options of {@link deployLocalJob}. */
export interface LocalDeployOptions {
  readonly clients: { readonly sfn: SFNClient; readonly ecs: ECSClient; readonly s3: S3Client };
  readonly spec: JobSpec;
  /** The bucket items are read from when the spec names none. @defaultValue the results bucket */
  readonly inputBucket?: string;
  /** A local function the scale steps invoke; without one they call ECS UpdateService. */
  readonly controllerFunction?: string;
  /** The backend's timeScale, passed to the workers (their heartbeats follow it). @defaultValue 1 */
  readonly timeScale?: number;
  /** Worker log level. @defaultValue 'warn' */
  readonly workerLogLevel?: string;
}

/** What {@link deployLocalJob} created. */
export interface LocalDeployment {
  readonly stateMachineArn: string;
  readonly cluster: string;
  readonly service: string;
  readonly resources: JobResources;
}

/** Creates (or updates) everything the job needs on a local backend. */
export async function deployLocalJob(options: LocalDeployOptions): Promise<LocalDeployment> {
  const { spec, clients } = options;
  const { sfn, ecs, s3 } = clients;
  const names = resourceNames(spec.name);
  const inputBucket = options.inputBucket ?? LOCAL_RESULTS_BUCKET;
  for (const Bucket of new Set([LOCAL_RESULTS_BUCKET, inputBucket])) {
    await s3.send(new CreateBucketCommand({ Bucket })).catch((error: Error) => {
      if (error.name !== 'BucketAlreadyOwnedByYou') throw error;
    });
  }
  const activityArn = (await sfn.send(new CreateActivityCommand({ name: names.activity }))).activityArn!;
  const aggregateActivityArn = spec.aggregate
    ? (await sfn.send(new CreateActivityCommand({ name: names.aggregateActivity }))).activityArn!
    : undefined;
  const activities = [`${activityArn}=${spec.worker.handler}`];
  if (spec.aggregate && aggregateActivityArn)
    activities.push(`${aggregateActivityArn}=${spec.aggregate.handler}`);

  await ecs.send(new CreateClusterCommand({ clusterName: names.cluster }));
  const environment: Record<string, string> = {
    ...spec.worker.environment,
    STEPFLEET_ACTIVITY_ARN: activities.join(','),
    STEPFLEET_THREADS: String(spec.worker.threads),
    STEPFLEET_STOP_TIMEOUT_SECONDS: String(spec.worker.stopTimeoutSeconds),
    STEPFLEET_DATA_BUCKET: inputBucket,
    STEPFLEET_OUTPUT_BUCKET: LOCAL_RESULTS_BUCKET,
    STEPFLEET_TIME_SCALE: String(options.timeScale ?? 1),
    STEPFLEET_LOG_LEVEL: options.workerLogLevel ?? 'warn',
    STEPFLEET_METRICS: 'off',
    // A worker keeps scale-in protection this long after its last task (15 s by default, for
    // AWS's slower task hand-out); locally the next task comes within a poll window, so the
    // fleet can scale in sooner.
    STEPFLEET_PROTECTION_IDLE_RELEASE_MS: '2000',
  };
  const taskDefinition = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: names.service,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(spec.worker.cpu),
      memory: String(spec.worker.memoryMiB),
      containerDefinitions: [
        {
          name: names.container,
          image: 'stepfleet-worker:local',
          // The same Node and the same NODE_OPTIONS (inherited) as this process.
          command: [process.execPath, CLI_BIN, 'worker'],
          stopTimeout: spec.worker.stopTimeoutSeconds,
          environment: Object.entries(environment).map(([name, value]) => ({ name, value })),
        },
      ],
    }),
  );
  const taskDefinitionArn = taskDefinition.taskDefinition!.taskDefinitionArn!;
  await ensureService(ecs, names.cluster, names.service, taskDefinitionArn);

  const resources: JobResources = {
    activityArn,
    ...(aggregateActivityArn ? { aggregateActivityArn } : {}),
    cluster: names.cluster,
    service: names.service,
    inputBucket,
    resultsBucket: LOCAL_RESULTS_BUCKET,
    ...(options.controllerFunction ? { controller: { functionName: options.controllerFunction } } : {}),
  };
  const definition = toJson(generateDefinition(spec, resources));
  const roleArn = 'arn:aws:iam::000000000000:role/stepfleet-local';
  let stateMachineArn: string;
  try {
    stateMachineArn = (
      await sfn.send(new CreateStateMachineCommand({ name: names.stateMachine, roleArn, definition }))
    ).stateMachineArn!;
  } catch (error) {
    if ((error as Error).name !== 'StateMachineAlreadyExists') throw error;
    // Same account and region as the activity: arn:aws:states:<region>:<account>:stateMachine:<name>.
    stateMachineArn = activityArn.replace(/:activity:.*$/, `:stateMachine:${names.stateMachine}`);
    await sfn.send(new UpdateStateMachineCommand({ stateMachineArn, definition, roleArn }));
  }
  return { stateMachineArn, cluster: names.cluster, service: names.service, resources };
}

/** Whether the service exists and is ACTIVE. */
async function serviceIsActive(ecs: ECSClient, cluster: string, service: string): Promise<boolean> {
  const described = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  return described.services?.some((s) => s.status === 'ACTIVE') ?? false;
}

/**
 * Points the job's service at `taskDefinition`, creating it (at 0 workers) when it does not
 * exist. A concurrent deploy may create it between our look and our CreateService, which ECS
 * refuses as "not idempotent": the service is then there, and we update it like any existing one.
 */
async function ensureService(
  ecs: ECSClient,
  cluster: string,
  service: string,
  taskDefinition: string,
): Promise<void> {
  const update = () => ecs.send(new UpdateServiceCommand({ cluster, service, taskDefinition }));
  if (await serviceIsActive(ecs, cluster, service)) {
    await update();
    return;
  }
  try {
    await ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: service,
        taskDefinition,
        desiredCount: 0,
        launchType: 'FARGATE',
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'InvalidParameterException') throw error;
    if (!(await serviceIsActive(ecs, cluster, service))) throw error;
    await update();
  }
}
