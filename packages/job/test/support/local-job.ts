/**
 * Test support (not part of the published API): a local backend set up for whole jobs, and a job
 * deployed on it as the CDK app deploys it on AWS (the activities, an ECS cluster with a worker
 * service at 0, the state machine from `generateDefinition`). Shared by the tests of the
 * generator (packages/job) and of the controller (packages/controller); imported as
 * `@stepfleet/job/test-support`.
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateActivityCommand, CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type LocalBackend, type LocalBackendOptions, startLocalBackend } from '@stepfleet/local';
import {
  generateDefinition,
  type JobResources,
  type JobSpec,
  resourceNames,
  toJson,
} from '../../src/index.ts';

/** The role the test state machines run as. */
const ROLE = 'arn:aws:iam::000000000000:role/stepfleet-test';

/** A backend for whole jobs, with SDK clients and the environment a local Lambda function reads. */
export interface JobBackend {
  readonly backend: LocalBackend;
  readonly sfn: SFNClient;
  readonly ecs: ECSClient;
  readonly s3: S3Client;
  /** Endpoint, region and credentials (also set in `process.env` while the backend runs). */
  readonly env: Readonly<Record<string, string>>;
  /** Closes the clients and the backend, and restores `process.env`. */
  close(): Promise<void>;
}

/**
 * Starts a backend (`options`, on a free port, 1 s activity polls), creates `buckets`, and sets
 * `process.env` as Lambda's would be, since a local function (the controller) builds its clients
 * from the environment, as on AWS.
 */
export async function startJobBackend(
  options: LocalBackendOptions,
  buckets: readonly string[],
): Promise<JobBackend> {
  const backend = await startLocalBackend({ port: 0, activityPollSeconds: 1, ...options });
  const env = {
    AWS_ENDPOINT_URL: backend.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  const client = {
    endpoint: backend.url,
    region: env.AWS_REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  };
  const sfn = new SFNClient(client);
  const ecs = new ECSClient(client);
  const s3 = new S3Client({ ...client, forcePathStyle: true });
  for (const Bucket of buckets) await s3.send(new CreateBucketCommand({ Bucket }));
  return {
    backend,
    sfn,
    ecs,
    s3,
    env,
    async close() {
      sfn.destroy();
      ecs.destroy();
      s3.destroy();
      await backend.close();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
}

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
