import { FARGATE_CPU_VALUES, fargateMemoryFor, isValidFargateSize } from '@stepfleet/job';
import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { InvalidPropsError } from './errors.ts';
import { capacityProviderStrategies, type FleetCapacity, resolveCapacity } from './fleet-capacity.ts';
import { createVpc } from './fleet-vpc.ts';
import { acknowledge, wildcardResourceFinding } from './nag.ts';
import { WORKER_ENV, WORKER_HEALTH_CHECK_COMMAND } from './worker-image.ts';

/** Props of {@link WorkerFleet}. */
export interface WorkerFleetProps {
  /**
   * The worker image. {@link workerImage} builds the one in the repository's `docker/`.
   */
  readonly image: ecs.ContainerImage;
  /**
   * The VPC the workers run in (in its private subnets). Conflicts with `cluster`, whose VPC is used.
   * @default - a new VPC: 2 AZs, public and private subnets, one NAT gateway, an S3 gateway
   * endpoint and flow logs
   */
  readonly vpc?: ec2.IVpc;
  /**
   * An existing cluster to run the service in. When it is a {@link ecs.Cluster} defined in
   * this app, its Fargate capacity providers are enabled; an imported cluster must already have
   * `FARGATE` and `FARGATE_SPOT` associated.
   * @default - a new cluster with Container Insights and Fargate capacity providers
   */
  readonly cluster?: ecs.ICluster;
  /**
   * Subnets of the service's tasks. Tasks never get a public IP.
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Task CPU units (1024 = 1 vCPU), one of Fargate's sizes.
   * @default 1024
   */
  readonly cpu?: number;
  /**
   * Task memory in MiB, within Fargate's range for `cpu`.
   * @default 2048
   */
  readonly memoryLimitMiB?: number;
  /**
   * CPU architecture of the tasks (the image must be built for it).
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /**
   * Handler threads per worker, passed as `STEPFLEET_THREADS`.
   * @default - the worker's own default (the container's CPUs)
   */
  readonly threads?: number;
  /**
   * Time between SIGTERM and SIGKILL when a task stops; the worker drains within it
   * (`STEPFLEET_STOP_TIMEOUT_SECONDS`). At most 120 s on Fargate.
   * @default Duration.seconds(120), the Fargate Spot interruption warning
   */
  readonly stopTimeout?: Duration;
  /**
   * Spread of the tasks over Fargate Spot and on-demand Fargate.
   * @default - the first task on-demand, then 3 Spot for 1 on-demand
   */
  readonly capacity?: FleetCapacity;
  /**
   * Extra environment variables for the worker (settings only: never secrets).
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * Retention of the workers' log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The container health check, the same command as the image's `HEALTHCHECK`.
   * @default - the worker's health check every 30 s, 3 retries, 60 s start period
   */
  readonly healthCheck?: ecs.HealthCheck;
}

const DEFAULT_CPU = 1024;
const DEFAULT_MEMORY_MIB = 2048;
const FARGATE_MAX_STOP_TIMEOUT_SECONDS = 120; // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_timeout
/** Variables the fleet derives from its props and activities, which `environment` may not set. */
const FLEET_MANAGED_ENV: readonly string[] = [
  WORKER_ENV.activityArn,
  WORKER_ENV.threads,
  WORKER_ENV.stopTimeoutSeconds,
];

/**
 * A fleet of stepfleet workers on ECS Fargate: an ECS service that rests at zero tasks and is
 * scaled by the job (its ScaleUp/ScaleDown states or the fleet controller), on Fargate Spot with
 * an on-demand share, in private subnets, with a least-privilege task role.
 *
 * The workers learn what to poll from {@link WorkerFleet.addActivity}; they get S3 access only
 * through {@link WorkerFleet.grantReadObjects} and {@link WorkerFleet.grantWriteObjects}.
 *
 * @example
 * const fleet = new WorkerFleet(this, 'Fleet', { image: workerImage({ directory: repoRoot }) });
 * fleet.addActivity(activity);
 * fleet.grantReadObjects(bucket, 'input/');
 */
export class WorkerFleet extends Construct {
  /** The cluster the service runs in. */
  readonly cluster: ecs.ICluster;
  /** The worker service (desiredCount 0 at rest). */
  readonly service: ecs.FargateService;
  /** The workers' task definition. */
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The worker container. */
  readonly container: ecs.ContainerDefinition;
  /** The role the workers' code runs with. */
  readonly taskRole: iam.IRole;
  /** Where the workers' logs go. */
  readonly logGroup: logs.LogGroup;
  /** Stop budget of a task, as configured. */
  readonly stopTimeout: Duration;

  private pollStatement: iam.PolicyStatement | undefined;
  private readonly activityEntries: string[] = [];
  private readonly polledActivities = new Set<sfn.IActivity>();
  /** Environment variables set so far, to refuse a second, different value. */
  private readonly settings = new Map<string, string>();

  constructor(scope: Construct, id: string, props: WorkerFleetProps) {
    super(scope, id);
    const stopTimeout = props.stopTimeout ?? Duration.seconds(FARGATE_MAX_STOP_TIMEOUT_SECONDS);
    const capacity = resolveCapacity(props.capacity);
    validateProps(props, stopTimeout);
    this.stopTimeout = stopTimeout;

    this.cluster = props.cluster ?? this.createCluster(props.vpc);
    if (props.cluster instanceof ecs.Cluster) props.cluster.enableFargateCapacityProviders();

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.cpu ?? DEFAULT_CPU,
      memoryLimitMiB: props.memoryLimitMiB ?? DEFAULT_MEMORY_MIB,
      runtimePlatform: {
        cpuArchitecture: props.cpuArchitecture ?? ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.taskRole = this.taskDefinition.taskRole;
    // The root filesystem is read-only; the worker may only write to this task-local scratch volume.
    this.taskDefinition.addVolume({ name: 'tmp' });
    this.container = this.taskDefinition.addContainer('Worker', {
      image: props.image,
      essential: true,
      readonlyRootFilesystem: true,
      stopTimeout,
      environment: {
        ...props.environment,
        [WORKER_ENV.stopTimeoutSeconds]: String(stopTimeout.toSeconds()),
        ...(props.threads === undefined ? {} : { [WORKER_ENV.threads]: String(props.threads) }),
      },
      healthCheck: props.healthCheck ?? {
        command: ['CMD', ...WORKER_HEALTH_CHECK_COMMAND],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(60),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'worker' }),
    });
    for (const [name, value] of Object.entries(props.environment ?? {})) this.settings.set(name, value);
    this.container.addMountPoints({ containerPath: '/tmp', sourceVolume: 'tmp', readOnly: false });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: 0,
      minHealthyPercent: 0,
      assignPublicIp: false,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      capacityProviderStrategies: capacityProviderStrategies(capacity),
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      circuitBreaker: { rollback: true },
    });

    // SendTaskSuccess/Failure/Heartbeat authorize by task token, not by resource.
    this.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReportActivityTasks',
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        resources: ['*'],
      }),
    );
    acknowledge(this.taskRole, {
      'AwsSolutions-IAM5[Resource::*]':
        'states:SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat support no resource-level ' +
        'permissions (AWS requires Resource "*"); the task token is the authorization.',
    });
    acknowledge(this.taskDefinition.obtainExecutionRole(), {
      'AwsSolutions-IAM5[Resource::*]':
        'ECS pulls the image with ecr:GetAuthorizationToken, which supports no resource-level ' +
        'permissions (AWS requires Resource "*"); the pull itself is granted on the one repository.',
    });
    acknowledge(this.taskDefinition, {
      'AwsSolutions-ECS2':
        'The environment holds settings only (activity ARNs, thread count, stop budget); the worker ' +
        'gets no secrets, its AWS access comes from the task role.',
    });
  }

  /**
   * Makes the workers poll `activity` (added to `STEPFLEET_ACTIVITY_ARN`) and allows
   * `states:GetActivityTask` on it, and on nothing else.
   * @param handler the handler module for this activity, relative to the image's `/app`
   * @default - the image's default handler (`STEPFLEET_HANDLER`)
   */
  addActivity(activity: sfn.IActivity, handler?: string): void {
    if (handler !== undefined && (handler.includes(',') || handler.includes('='))) {
      throw new InvalidPropsError(
        `handler ${handler} cannot contain "," or "=" (STEPFLEET_ACTIVITY_ARN separators)`,
      );
    }
    if (this.polledActivities.has(activity)) {
      throw new InvalidPropsError(`activity ${activity.node.path} is already polled by this fleet`);
    }
    this.polledActivities.add(activity);
    this.activityEntries.push(
      handler === undefined ? activity.activityArn : `${activity.activityArn}=${handler}`,
    );
    if (this.pollStatement) {
      this.pollStatement.addResources(activity.activityArn);
      return;
    }
    this.container.addEnvironment(
      WORKER_ENV.activityArn,
      Lazy.string({ produce: () => this.activityEntries.join(',') }),
    );
    this.pollStatement = new iam.PolicyStatement({
      sid: 'PollActivities',
      actions: ['states:GetActivityTask'],
      resources: [activity.activityArn],
    });
    this.taskRole.addToPrincipalPolicy(this.pollStatement);
  }

  /**
   * Sets a worker setting (an environment variable). Several jobs may share a fleet, so a
   * second, different value for the same variable is refused rather than silently replacing it.
   * @throws InvalidPropsError for a variable the fleet manages or a conflicting value
   */
  addEnvironment(name: string, value: string): void {
    if (FLEET_MANAGED_ENV.includes(name)) {
      throw new InvalidPropsError(`${name} is set by WorkerFleet from its props and activities`);
    }
    const previous = this.settings.get(name);
    if (previous !== undefined && previous !== value) {
      throw new InvalidPropsError(
        `${name} is already set to a different value on this fleet (a fleet shared by jobs needs the same ${name} for all)`,
      );
    }
    this.settings.set(name, value);
    this.container.addEnvironment(name, value);
  }

  /**
   * Allows the workers to list `bucket` under `prefix` and read the objects there.
   * @param prefix key prefix, e.g. `input/`; empty for the whole bucket
   */
  grantReadObjects(bucket: s3.IBucket, prefix = ''): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee: this.taskRole,
      actions: ['s3:GetObject'],
      resourceArns: [bucket.arnForObjects(`${prefix}*`)],
    });
    this.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        ...(prefix ? { conditions: { StringLike: { 's3:prefix': `${prefix}*` } } } : {}),
      }),
    );
    this.acknowledgeObjects(bucket, prefix, 'read');
    return grant;
  }

  /**
   * Allows the workers to write objects to `bucket` under `prefix` (results, offloaded outputs).
   * @param prefix key prefix, e.g. `results/`; empty for the whole bucket
   */
  grantWriteObjects(bucket: s3.IBucket, prefix = ''): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee: this.taskRole,
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resourceArns: [bucket.arnForObjects(`${prefix}*`)],
    });
    this.acknowledgeObjects(bucket, prefix, 'write');
    return grant;
  }

  /**
   * Allows `grantee` (the fleet controller) to size the service: read and change its desired
   * count, list its running tasks and read their scale-in protection, in this cluster only.
   */
  grantScale(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    const tasks = stack.formatArn({
      service: 'ecs',
      resource: 'task',
      resourceName: `${this.cluster.clusterName}/*`,
    });
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['ecs:UpdateService', 'ecs:DescribeServices'],
      resourceArns: [this.service.serviceArn],
    }).combine(
      iam.Grant.addToPrincipal({ grantee, actions: ['ecs:GetTaskProtection'], resourceArns: [tasks] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:ListTasks'],
        resources: ['*'],
        conditions: { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } },
      }),
    );
    if (Construct.isConstruct(grantee)) {
      acknowledge(grantee, {
        [wildcardResourceFinding(this, tasks)]:
          "Task ids are assigned by ECS at run time; the grant is limited to this cluster's tasks.",
        'AwsSolutions-IAM5[Resource::*]':
          'ecs:ListTasks is authorized on container instances, not services; the statement is limited to ' +
          'this cluster by its ecs:cluster condition.',
      });
    }
    return grant;
  }

  /** Running worker tasks, from Container Insights. */
  metricRunningTaskCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: { ClusterName: this.cluster.clusterName, ServiceName: this.service.serviceName },
      statistic: 'Average',
      ...props,
    });
  }

  /** CPU utilization of the workers (percent of what their tasks reserve). */
  metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.service.metricCpuUtilization(props);
  }

  private acknowledgeObjects(bucket: s3.IBucket, prefix: string, access: 'read' | 'write'): void {
    acknowledge(this.taskRole, {
      [wildcardResourceFinding(this, bucket.arnForObjects(`${prefix}*`))]:
        `Workers ${access} objects whose keys are only known at run time (one per item or batch), ` +
        `confined to the prefix "${prefix}".`,
    });
  }

  private createCluster(vpc: ec2.IVpc | undefined): ecs.Cluster {
    return new ecs.Cluster(this, 'Cluster', {
      vpc: vpc ?? createVpc(this),
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      enableFargateCapacityProviders: true,
    });
  }
}

function validateProps(props: WorkerFleetProps, stopTimeout: Duration): void {
  const cpu = props.cpu ?? DEFAULT_CPU;
  const memory = props.memoryLimitMiB ?? DEFAULT_MEMORY_MIB;
  if (!isValidFargateSize(cpu, memory)) {
    const allowed = fargateMemoryFor(cpu);
    throw new InvalidPropsError(
      allowed.length === 0
        ? `cpu ${cpu} is not a Fargate CPU value (${FARGATE_CPU_VALUES.join(', ')})`
        : `memoryLimitMiB ${memory} is not allowed with cpu ${cpu} on Fargate (${allowed[0]}..${allowed.at(-1)} MiB)`,
    );
  }
  if (props.cluster && props.vpc) {
    throw new InvalidPropsError('vpc and cluster are mutually exclusive: the cluster brings its VPC');
  }
  const stopSeconds = stopTimeout.toSeconds();
  if (!Number.isInteger(stopSeconds) || stopSeconds < 2 || stopSeconds > FARGATE_MAX_STOP_TIMEOUT_SECONDS) {
    throw new InvalidPropsError(
      `stopTimeout must be a whole number of seconds from 2 to ${FARGATE_MAX_STOP_TIMEOUT_SECONDS} (Fargate's maximum), got ${stopSeconds}`,
    );
  }
  if (props.threads !== undefined && (!Number.isInteger(props.threads) || props.threads < 1)) {
    throw new InvalidPropsError(`threads must be a positive integer, got ${props.threads}`);
  }
  for (const name of Object.keys(props.environment ?? {})) {
    if (FLEET_MANAGED_ENV.includes(name)) {
      throw new InvalidPropsError(`environment.${name} is set by WorkerFleet; use the matching prop instead`);
    }
  }
}
