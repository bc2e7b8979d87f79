/**
 * A second execution beside a fault scenario's run, on the same state machine, service and
 * fleet: started, optionally stopped mid-run, read back as an {@link ExecutionRun}.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { LocalRunContext } from 'stepfleet';
import { whyNotSucceeded } from './explain-execution.ts';
import { describeMapRun, type ExecutionRun, resultWriterDetails, type ScenarioRun } from './fault-suite.ts';

/**
 * Starts another execution of the running scenario's state machine (the same service and
 * fleet) and resolves when it has ended. `whileRunning` (say, a StopExecution) runs beside it.
 */
export async function runAlongside(
  context: LocalRunContext,
  whileRunning?: (executionArn: string) => Promise<void>,
): Promise<ExecutionRun> {
  const { sfn } = context.clients;
  const started = performance.now();
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: context.deployment.stateMachineArn, input: '{}' }),
  );
  await whileRunning?.(executionArn!);
  let described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  while (described.status === 'RUNNING') {
    await sleep(100);
    described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  }
  const output = described.output ? (JSON.parse(described.output) as unknown) : undefined;
  const manifest = resultWriterDetails(output);
  const mapRun = await describeMapRun(context, executionArn!);
  return {
    // The state machine is named after the job.
    job: context.deployment.stateMachineArn.split(':').at(-1)!,
    status: described.status!,
    ...(output === undefined ? {} : { output }),
    ...(described.error ? { error: described.error } : {}),
    ...(described.cause ? { cause: described.cause } : {}),
    deployment: context.deployment,
    executionArn: executionArn!,
    ...(manifest ? { manifest } : {}),
    figures: {
      items: 0,
      batches: mapRun?.executionCounts?.total ?? 0,
      batchesSucceeded: mapRun?.executionCounts?.succeeded ?? 0,
      // Each started batch scheduled a task; the ones still queued at a stop did not start.
      batchesStarted: (mapRun?.executionCounts?.total ?? 0) - (mapRun?.executionCounts?.pending ?? 0),
      retries: 0,
      tasksFailed: 0,
      tasksTimedOut: 0,
      throttled: 0,
      dropped: 0,
      workersStarted: 0,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    },
    log: await whyNotSucceeded(
      { url: context.endpoint, region: context.backend?.region ?? 'us-east-1' },
      {
        status: described.status!,
        executionArn: executionArn!,
      },
    ),
  };
}

/**
 * The backend's task counters saw both runs of a {@link runAlongside} scenario: takes the other
 * run's first attempts (and its aggregate) out of the scenario's `retries`.
 */
export function discountAlongside(run: ScenarioRun, other: ExecutionRun, aggregates: boolean): void {
  const otherTasks = other.figures.batchesStarted! + (aggregates && other.status === 'SUCCEEDED' ? 1 : 0);
  run.figures.retries = Math.max(0, run.figures.retries - otherTasks);
}

/**
 * Waits until `count` batches of the execution's Map Run have succeeded (it is doing work), or
 * the execution has ended; resolves with the batches succeeded.
 */
export async function untilBatchesSucceeded(
  context: LocalRunContext,
  executionArn: string,
  count: number,
): Promise<number> {
  for (;;) {
    const succeeded = (await describeMapRun(context, executionArn))?.executionCounts?.succeeded ?? 0;
    const { status } = await context.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (succeeded >= count || status !== 'RUNNING') return succeeded;
    await sleep(50);
  }
}
