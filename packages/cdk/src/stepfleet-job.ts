import {
  generateDefinition,
  type JobResources,
  type JobSpec,
  resourceNames,
  type StateMachineDefinition,
} from '@stepfleet/job';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { placeholdTokens } from './definition-placeholders.ts';
import { InvalidPropsError } from './errors.ts';
import { FleetController } from './fleet-controller.ts';
import { JobBuckets } from './job-buckets.ts';
import { inputPrefix } from './job-prefixes.ts';
import { acknowledge, wildcardResourceFinding } from './nag.ts';
import { grantDefinitionNeeds, statesArn } from './state-machine-role.ts';
import { WorkerFleet } from './worker-fleet.ts';
import { imageHandlerPath, WORKER_ENV } from './worker-image.ts';

/** Props of {@link StepfleetJob}. */
export interface StepfleetJobProps {
  /** The job, as `defineJob` returns it. Its definition is generated from it. */
  readonly job: JobSpec;
  /**
   * The worker image for a new fleet ({@link workerImage} builds the repository's). Required
   * unless `fleet` is given; conflicts with it.
   * @default - none
   */
  readonly image?: ecs.ContainerImage;
  /**
   * An existing fleet to run the job's batches on (its cpu, memory, capacity mix come from its
   * own props, not from the spec). Conflicts with `image`, `vpc` and `cluster`.
   * @default - a new {@link WorkerFleet} sized by the spec's `worker` and `fleet`
   */
  readonly fleet?: WorkerFleet;
  /**
   * VPC of a new fleet. Conflicts with `cluster` and `fleet`.
   * @default - a new VPC (see {@link WorkerFleetProps.vpc})
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Cluster of a new fleet. Conflicts with `vpc` and `fleet`.
   * @default - a new cluster
   */
  readonly cluster?: ecs.ICluster;
  /**
   * The bucket the items are read from. Conflicts with the spec's `items.bucket`, which
   * names an existing bucket.
   * @default - the spec's `items.bucket`, else a new bucket (see {@link JobBuckets})
   */
  readonly inputBucket?: s3.IBucket;
  /**
   * The bucket the results are written to. Conflicts with the spec's `results.bucket`.
   * @default - the spec's `results.bucket`, else the same new bucket as the input
   */
  readonly resultsBucket?: s3.IBucket;
  /**
   * Key prefixes of the input bucket the handlers read and write besides the items (e.g. a
   * handler's spilled outputs). Each ends with `/`.
   * @default - none: workers read the items' prefix and read/write the results prefix only
   */
  readonly dataPrefixes?: readonly string[];
  /**
   * The fleet controller: ScaleUp/ScaleDown invoke it (`lambda:invoke`). A {@link FleetController}
   * is wired entirely (it watches this job's fleet and gets the grants it needs); a bare function
   * needs its own grants ({@link StepfleetJob.grantControl}).
   * @default - ScaleUp/ScaleDown call ECS UpdateService directly (right for one run at a time)
   */
  readonly controller?: lambda.IFunction | FleetController;
  /**
   * Retention of the state machine's and the workers' logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the buckets and log groups this construct creates.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * One stepfleet job on AWS: its activities, the worker fleet polling them, the buckets, and the
 * Standard state machine whose definition is exactly `generateDefinition(job, resources)`, with
 * logging of ALL events, X-Ray tracing and a role holding exactly the permissions the
 * definition's states call for.
 *
 * @example
 * const job = defineJob({ name: 'monte-carlo', items: { type: 'jsonl', key: 'scenarios.jsonl' }, worker: { handler: 'handler.js' } });
 * new StepfleetJob(this, 'MonteCarlo', { job, image: workerImage({ directory: repoRoot }) });
 */
export class StepfleetJob extends Construct {
  /** The state machine that runs the job. */
  readonly stateMachine: sfn.StateMachine;
  /** The definition deployed, as the generator returned it (tokens where ARNs go). */
  readonly definition: StateMachineDefinition;
  /** The activity of the batches. */
  readonly batchActivity: sfn.Activity;
  /** The aggregate step's activity, when the job has one. */
  readonly aggregateActivity?: sfn.Activity;
  /** The workers. */
  readonly fleet: WorkerFleet;
  /** Where items are read from. */
  readonly inputBucket: s3.IBucket;
  /** Where results are written. */
  readonly resultsBucket: s3.IBucket;
  /** The state machine's execution log. */
  readonly logGroup: logs.LogGroup;
  /** The state machine's role. */
  readonly role: iam.Role;

  private readonly job: JobSpec;
  private readonly stateMachineName: string;

  constructor(scope: Construct, id: string, props: StepfleetJobProps) {
    super(scope, id);
    validateProps(props);
    const { job } = props;
    const controller =
      props.controller instanceof FleetController ? props.controller.function : props.controller;
    this.job = job;
    const names = resourceNames(job.name);
    this.stateMachineName = names.stateMachine;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.batchActivity = new sfn.Activity(this, 'BatchActivity', { activityName: names.activity });
    if (job.aggregate) {
      this.aggregateActivity = new sfn.Activity(this, 'AggregateActivity', {
        activityName: names.aggregateActivity,
      });
    }

    let buckets: JobBuckets | undefined;
    const defaultBucket = () => {
      buckets ??= new JobBuckets(this, 'Buckets', { removalPolicy });
      return buckets.data;
    };
    this.inputBucket = job.items.bucket
      ? s3.Bucket.fromBucketName(this, 'InputBucket', job.items.bucket)
      : (props.inputBucket ?? defaultBucket());
    this.resultsBucket = job.results.bucket
      ? s3.Bucket.fromBucketName(this, 'ResultsBucket', job.results.bucket)
      : (props.resultsBucket ?? defaultBucket());

    this.fleet = props.fleet ?? this.createFleet(props, logRetention);
    this.configureFleet(props.dataPrefixes ?? []);

    const resources: JobResources = {
      activityArn: this.batchActivity.activityArn,
      ...(this.aggregateActivity ? { aggregateActivityArn: this.aggregateActivity.activityArn } : {}),
      cluster: this.fleet.cluster.clusterName,
      service: this.fleet.service.serviceName,
      ...(job.items.bucket ? {} : { inputBucket: this.inputBucket.bucketName }),
      ...(job.results.bucket ? {} : { resultsBucket: this.resultsBucket.bucketName }),
      ...(controller ? { controller: { functionName: controller.functionName } } : {}),
    };
    this.definition = generateDefinition(job, resources);
    const { definitionString, substitutions } = placeholdTokens(JSON.stringify(this.definition), resources);

    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: names.stateMachineLogGroup,
      retention: logRetention,
      removalPolicy,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `Runs the stepfleet job ${job.name}`,
    });
    grantDefinitionNeeds(this, {
      role: this.role,
      job,
      definition: this.definition,
      stateMachineName: names.stateMachine,
      activityArns: [this.batchActivity, this.aggregateActivity].flatMap((a) => (a ? [a.activityArn] : [])),
      inputBucket: this.inputBucket,
      resultsBucket: this.resultsBucket,
      serviceArn: this.fleet.service.serviceArn,
      ...(controller ? { controller } : {}),
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: names.stateMachine,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(definitionString),
      definitionSubstitutions: substitutions,
      role: this.role,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      // Deleted with the stack whatever removalPolicy says: it holds no data, and a retained state
      // machine would block deploying the job again under its fixed name.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    if (props.controller instanceof FleetController) props.controller.addJob(this, job);
    acknowledge(this.role, {
      'AwsSolutions-IAM5[Resource::*]':
        'Execution logging (logs:CreateLogDelivery and related) and X-Ray tracing (xray:PutTraceSegments ' +
        'and related) support no resource-level permissions: AWS requires Resource "*".',
    });
  }

  /** Allows `grantee` to start executions of the job (e.g. `stepfleet run --aws`) and to follow them. */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    const grant = this.stateMachine.grantStartExecution(grantee);
    this.stateMachine.grantRead(grantee);
    return grant;
  }

  /**
   * Allows `grantee` (the fleet controller's function) what it needs to size this job's fleet:
   * find the job's open Map Runs (ListExecutions, ListMapRuns, DescribeMapRun, and
   * GetExecutionHistory to see a run that is already scaling down, on this state machine only)
   * and scale the service ({@link WorkerFleet.grantScale}).
   */
  grantControl(grantee: iam.IGrantable): iam.Grant {
    const name = this.stateMachineName;
    const arn = (resource: string, resourceName: string) => statesArn(this, resource, resourceName);
    const executions = arn('execution', `${name}:*`);
    const mapRuns = arn('mapRun', `${name}/*`);
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['states:ListExecutions'],
      resourceArns: [arn('stateMachine', name)],
    })
      .combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['states:ListMapRuns', 'states:GetExecutionHistory'],
          resourceArns: [executions],
        }),
      )
      .combine(
        iam.Grant.addToPrincipal({ grantee, actions: ['states:DescribeMapRun'], resourceArns: [mapRuns] }),
      )
      .combine(this.fleet.grantScale(grantee));
    if (Construct.isConstruct(grantee)) {
      acknowledge(grantee, {
        [wildcardResourceFinding(this, executions)]:
          "Executions are named at run time; the grant is limited to this job's state machine.",
        [wildcardResourceFinding(this, mapRuns)]:
          "Map Runs are named at run time; the grant is limited to this job's state machine.",
      });
    }
    return grant;
  }

  /** Milliseconds a batch waits for a worker (`ActivityScheduleTime`): grows when the fleet is short. */
  metricBatchQueueTime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.batchActivity.metricScheduleTime(props);
  }

  /** Batches that failed, timed out or missed their heartbeat, summed (`AWS/States`, per activity). */
  metricBatchFailures(props?: cloudwatch.MetricOptions): cloudwatch.MathExpression {
    const sum = { statistic: 'Sum', ...props };
    return new cloudwatch.MathExpression({
      expression: 'failed + timedOut + heartbeatTimedOut',
      usingMetrics: {
        failed: this.batchActivity.metricFailed(sum),
        timedOut: this.batchActivity.metricTimedOut(sum),
        heartbeatTimedOut: this.batchActivity.metricHeartbeatTimedOut(sum),
      },
      label: `${this.stateMachineName} failed batches`,
      ...(props?.period ? { period: props.period } : {}),
    });
  }

  /** Runs of the job that failed (`ExecutionsFailed`). */
  metricRunsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed(props);
  }

  private createFleet(props: StepfleetJobProps, logRetention: logs.RetentionDays): WorkerFleet {
    if (!props.image) throw new InvalidPropsError('image is required when no fleet is given');
    const { worker, fleet } = props.job;
    return new WorkerFleet(this, 'Fleet', {
      image: props.image,
      ...(props.vpc ? { vpc: props.vpc } : {}),
      ...(props.cluster ? { cluster: props.cluster } : {}),
      cpu: worker.cpu,
      memoryLimitMiB: worker.memoryMiB,
      threads: worker.threads,
      stopTimeout: Duration.seconds(worker.stopTimeoutSeconds),
      capacity: fleet.capacity,
      environment: { ...worker.environment },
      logRetention,
    });
  }

  /** Points the fleet at the job's activities and gives it the S3 access the handlers need. */
  private configureFleet(dataPrefixes: readonly string[]): void {
    const { job } = this;
    this.fleet.addActivity(this.batchActivity, imageHandlerPath(job.worker.handler));
    if (this.aggregateActivity && job.aggregate) {
      this.fleet.addActivity(this.aggregateActivity, imageHandlerPath(job.aggregate.handler));
    }
    this.fleet.grantReadObjects(this.inputBucket, inputPrefix(job));
    // The aggregate step reads what the ResultWriter wrote; outputs over 256 KiB go there too.
    this.fleet.grantReadObjects(this.resultsBucket, `${job.results.prefix}/`);
    this.fleet.grantWriteObjects(this.resultsBucket, `${job.results.prefix}/`);
    for (const prefix of dataPrefixes) {
      this.fleet.grantReadObjects(this.inputBucket, prefix);
      this.fleet.grantWriteObjects(this.inputBucket, prefix);
    }
    this.fleet.addEnvironment(WORKER_ENV.dataBucket, this.inputBucket.bucketName);
    this.fleet.addEnvironment(WORKER_ENV.outputBucket, this.resultsBucket.bucketName);
    this.fleet.addEnvironment(WORKER_ENV.outputPrefix, `${job.results.prefix}/outputs/`);
  }
}

function validateProps(props: StepfleetJobProps): void {
  if (props.fleet) {
    for (const name of ['image', 'vpc', 'cluster'] as const) {
      if (props[name])
        throw new InvalidPropsError(`${name} and fleet are mutually exclusive: the fleet brings its own`);
    }
  } else if (!props.image) {
    throw new InvalidPropsError('image is required when no fleet is given');
  }
  if (props.vpc && props.cluster) {
    throw new InvalidPropsError('vpc and cluster are mutually exclusive: the cluster brings its VPC');
  }
  for (const prefix of props.dataPrefixes ?? []) {
    if (!/^[^*]+\/$/.test(prefix)) {
      throw new InvalidPropsError(
        `dataPrefixes: ${JSON.stringify(prefix)} must be a non-empty key prefix ending with "/", without "*"`,
      );
    }
  }
  if (props.inputBucket && props.job.items.bucket) {
    throw new InvalidPropsError(
      `inputBucket is given but the spec's items.bucket already names ${props.job.items.bucket}: name the bucket once`,
    );
  }
  if (props.resultsBucket && props.job.results.bucket) {
    throw new InvalidPropsError(
      `resultsBucket is given but the spec's results.bucket already names ${props.job.results.bucket}: name the bucket once`,
    );
  }
}
