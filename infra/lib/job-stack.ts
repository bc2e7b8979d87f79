import { FleetController, imageHandlerPath, StepfleetJob, workerImage } from '@stepfleet/cdk';
import type { JobSpec } from '@stepfleet/job';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** Props of {@link JobStack}. */
export interface JobStackProps extends StackProps {
  /** The job to deploy. */
  readonly job: JobSpec;
  /** Root of the repository: the worker image's build context. */
  readonly repositoryRoot: string;
  /** Key prefixes of the input bucket the handlers also read and write. @default none */
  readonly dataPrefixes?: readonly string[];
}

/**
 * The names of the stack outputs `stepfleet run --aws` reads to find a deployed job.
 */
export const JOB_STACK_OUTPUTS = {
  stateMachineArn: 'StateMachineArn',
  inputBucket: 'InputBucketName',
  resultsBucket: 'ResultsBucketName',
  cluster: 'ClusterName',
  service: 'ServiceName',
  workerLogGroup: 'WorkerLogGroupName',
} as const;

/** One stepfleet job, its fleet and its buckets, in a stack of its own. */
export class JobStack extends Stack {
  /** The deployed job. */
  readonly job: StepfleetJob;
  /** The fleet controller: the job's ScaleUp/ScaleDown steps and its scheduled reconcile. */
  readonly controller: FleetController;

  constructor(scope: Construct, id: string, props: JobStackProps) {
    super(scope, id, props);
    this.controller = new FleetController(this, 'Controller');
    this.job = new StepfleetJob(this, 'Job', {
      job: props.job,
      controller: this.controller,
      image: workerImage({
        directory: props.repositoryRoot,
        handler: imageHandlerPath(props.job.worker.handler),
      }),
      ...(props.dataPrefixes ? { dataPrefixes: props.dataPrefixes } : {}),
    });
    const outputs: Record<keyof typeof JOB_STACK_OUTPUTS, string> = {
      stateMachineArn: this.job.stateMachine.stateMachineArn,
      inputBucket: this.job.inputBucket.bucketName,
      resultsBucket: this.job.resultsBucket.bucketName,
      cluster: this.job.fleet.cluster.clusterName,
      service: this.job.fleet.service.serviceName,
      workerLogGroup: this.job.fleet.logGroup.logGroupName,
    };
    for (const [key, value] of Object.entries(outputs) as [keyof typeof JOB_STACK_OUTPUTS, string][]) {
      new CfnOutput(this, JOB_STACK_OUTPUTS[key], { value });
    }
  }
}
