import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobSpec } from '@stepfleet/job';
import { resourceNames } from '@stepfleet/job';
import { Duration, Lazy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';
import { statesArn } from './state-machine-role.ts';
import type { StepfleetJob } from './stepfleet-job.ts';

/**
 * How long the function may run: ScaleUp waits up to 240 s for workers (`SCALE_UP_WAIT_SECONDS`
 * of `@stepfleet/job`), plus the reads and the scaling call around it.
 */
const CONTROLLER_TIMEOUT = Duration.seconds(300);

/** Props of {@link FleetController}. */
export interface FleetControllerProps {
  /**
   * How often the scheduled reconcile runs (EventBridge rates are whole minutes).
   * @default Duration.minutes(1)
   */
  readonly reconcileInterval?: Duration;
  /**
   * How long lower demand must last before a fleet shrinks (`STEPFLEET_SCALE_IN_COOLDOWN_SECONDS`).
   * @default Duration.seconds(30)
   */
  readonly scaleInCooldown?: Duration;
  /**
   * How long no run may be open before a fleet goes to 0 (`STEPFLEET_IDLE_GRACE_SECONDS`).
   * @default Duration.seconds(0)
   */
  readonly idleGrace?: Duration;
  /**
   * The controller's log level (`STEPFLEET_LOG_LEVEL`).
   * @default 'info'
   */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The stepfleet fleet controller on AWS: one Node 24 Lambda function (`@stepfleet/controller/lambda`,
 * bundled by the local esbuild, no Docker) that serves the ScaleUp/ScaleDown steps of every job
 * given to it, plus its reconcile, run on a schedule and on each `Step Functions Execution
 * Status Change` of those jobs (a run that failed, was stopped or timed out leaves no workers
 * after one reconcile). Its role may only read the jobs' executions and Map Runs and scale their
 * services.
 *
 * The jobs' state machines invoke the function and the function reads the state machines: the
 * ARNs it is given are formatted from the jobs' fixed state machine names, never referenced, so
 * the template has no cycle.
 *
 * @example
 * const controller = new FleetController(this, 'Controller');
 * new StepfleetJob(this, 'MonteCarlo', { job, image, controller });
 */
export class FleetController extends Construct {
  /** The controller function. */
  readonly function: nodejs.NodejsFunction;
  /** The schedule that runs the reconcile. */
  readonly schedule: events.Rule;
  /** The rule that reconciles when an execution of a job changes status. */
  readonly executionEvents: events.Rule;

  private readonly fleets: Record<string, unknown>[] = [];
  private readonly stateMachineArns: string[] = [];

  constructor(scope: Construct, id: string, props: FleetControllerProps = {}) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: controllerEntry(),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: CONTROLLER_TIMEOUT,
      logGroup,
      description: 'stepfleet fleet controller: sizes worker fleets to their open Map Runs',
      environment: {
        STEPFLEET_FLEETS: Lazy.string({ produce: () => JSON.stringify(this.fleets) }),
        STEPFLEET_SCALE_IN_COOLDOWN_SECONDS: String(
          (props.scaleInCooldown ?? Duration.seconds(30)).toSeconds(),
        ),
        STEPFLEET_IDLE_GRACE_SECONDS: String((props.idleGrace ?? Duration.seconds(0)).toSeconds()),
        STEPFLEET_LOG_LEVEL: props.logLevel ?? 'info',
        // Stack traces in the logs point at the TypeScript sources (the bundle has a source map).
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        // The AWS SDK is bundled (not the runtime's copy), so the function runs the version tested.
        externalModules: [],
        mainFields: ['module', 'main'],
        esbuildArgs: { '--conditions': 'stepfleet-source' },
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
    this.schedule = new events.Rule(this, 'Schedule', {
      schedule: events.Schedule.rate(props.reconcileInterval ?? Duration.minutes(1)),
      description: 'stepfleet: reconcile the worker fleets',
      targets: [
        new targets.LambdaFunction(this.function, {
          event: events.RuleTargetInput.fromObject({ action: 'reconcile' }),
        }),
      ],
    });
    this.executionEvents = new events.Rule(this, 'ExecutionStatusChange', {
      description: 'stepfleet: reconcile when a job execution changes status',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: Lazy.list({ produce: () => this.stateMachineArns }) },
      },
      targets: [new targets.LambdaFunction(this.function)],
    });
    acknowledge(this.function, {
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
        'The AWS managed basic execution policy only lets the function write its own logs.',
      'AwsSolutions-L1': 'Node 24 is the newest Lambda runtime this CDK version knows.',
    });
  }

  /** The function's name (what the state machines' ScaleUp/ScaleDown steps invoke). */
  get functionName(): string {
    return this.function.functionName;
  }

  /**
   * Makes the controller serve `job` (deployed from `spec`): its fleet is reconciled on the
   * schedule and on its executions' status changes, and the function may read its runs and
   * scale its service. {@link StepfleetJob} calls this itself when given the controller as its
   * `controller`.
   */
  addJob(job: StepfleetJob, spec: JobSpec): void {
    // Formatted from the fixed name, not `job.stateMachine.stateMachineArn`: the state machine
    // already references the function, a reference back would be a cycle.
    const stateMachineArn = statesArn(job, 'stateMachine', resourceNames(spec.name).stateMachine);
    this.stateMachineArns.push(stateMachineArn);
    this.fleets.push({
      cluster: job.fleet.cluster.clusterName,
      service: job.fleet.service.serviceName,
      stateMachineArns: [stateMachineArn],
      minWorkers: spec.fleet.minWorkers,
      maxWorkers: spec.fleet.maxWorkers,
      slotsPerWorker: spec.worker.threads,
      itemsPerBatch: spec.batching.maxItems,
      tailBatches: spec.aggregate ? 1 : 0,
    });
    job.grantControl(this.function);
  }

  /** Lets `grantee` invoke the controller (a reconcile on demand, e.g. from an operator's tool). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvoke(grantee);
  }
}

/** The controller's Lambda entry module, as this process resolves `@stepfleet/controller/lambda`. */
function controllerEntry(): string {
  const entry = fileURLToPath(import.meta.resolve('@stepfleet/controller/lambda'));
  if (existsSync(entry)) return entry;
  // Resolved without the `stepfleet-source` condition before a build: bundle the source.
  return join(entry, '..', '..', 'src', 'lambda.ts');
}
