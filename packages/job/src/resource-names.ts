/**
 * The AWS resource names a job's deployment uses, all derived from the job name (which
 * `defineJob` keeps to 40 characters of `[a-z0-9-]`, so each fits its service's limit).
 */
export interface ResourceNames {
  /** The Step Functions state machine. */
  readonly stateMachine: string;
  /** The batch activity. */
  readonly activity: string;
  /** The aggregate step's activity. */
  readonly aggregateActivity: string;
  /** The ECS cluster. */
  readonly cluster: string;
  /** The ECS service of the workers. */
  readonly service: string;
  /** The worker container in the task definition. */
  readonly container: string;
  /** The CloudWatch log group of the workers. */
  readonly workerLogGroup: string;
  /** The CloudWatch log group of the state machine. */
  readonly stateMachineLogGroup: string;
}

/** The resource names of the job named `jobName` (a name `defineJob` accepted). */
export function resourceNames(jobName: string): ResourceNames {
  return {
    stateMachine: jobName,
    activity: `${jobName}-batch`,
    aggregateActivity: `${jobName}-aggregate`,
    cluster: jobName,
    service: `${jobName}-workers`,
    container: 'worker',
    workerLogGroup: `/stepfleet/${jobName}/workers`,
    stateMachineLogGroup: `/aws/vendedlogs/states/stepfleet-${jobName}`,
  };
}
