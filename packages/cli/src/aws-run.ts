/**
 * `stepfleet run <job> --aws`: starts the job's execution on the deployed stack (the infra
 * app's outputs: `StateMachineArn`, `ResultsBucketName`, `ClusterName`, `ServiceName`, ...) and
 * shows the same progress view as a local run. The fleet is scaled by the deployed state
 * machine's steps; nothing runs here but the view.
 */
import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { JobPlan } from './job-module.ts';
import { ProgressDisplay } from './progress-display.ts';
import { ProgressReader } from './progress-reader.ts';
import type { ProgressSnapshot } from './progress-snapshot.ts';
import { watchRun } from './watch-run.ts';

/** The stack outputs a run needs (names as `infra/lib/job-stack.ts` declares them). */
export interface StackOutputs {
  readonly StateMachineArn: string;
  readonly [name: string]: string;
}

/** The stack name the infra app gives a job: `Stepfleet` + the job name in PascalCase. */
export function defaultStackName(jobName: string): string {
  return `Stepfleet${jobName.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase())}`;
}

/**
 * The outputs of `stack`: from a `cdk deploy --outputs-file` JSON when given, else from
 * CloudFormation DescribeStacks.
 */
export async function readStackOutputs(stack: string, outputsFile?: string): Promise<StackOutputs> {
  let outputs: Record<string, string> | undefined;
  if (outputsFile) {
    const all = JSON.parse(await readFile(outputsFile, 'utf8')) as Record<string, Record<string, string>>;
    outputs = all[stack];
    if (!outputs)
      throw new Error(
        `${outputsFile} has no outputs of stack ${stack} (it has: ${Object.keys(all).join(', ')})`,
      );
  } else {
    const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
    const cfn = new CloudFormationClient({});
    try {
      const described = await cfn.send(new DescribeStacksCommand({ StackName: stack }));
      outputs = Object.fromEntries(
        (described.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
      );
    } finally {
      cfn.destroy();
    }
  }
  if (!outputs.StateMachineArn)
    throw new Error(`stack ${stack} has no StateMachineArn output: is it a stepfleet job stack?`);
  return outputs as StackOutputs;
}

/** Options of {@link runAwsJob}. */
export interface AwsRunOptions {
  readonly plan: JobPlan;
  readonly outputs: StackOutputs;
  readonly stopOnExit?: boolean;
  readonly outDir?: string;
  readonly out?: Writable & { isTTY?: boolean; columns?: number };
  readonly tty?: boolean;
}

/** Starts the execution on AWS and watches it; resolves with its last snapshot. */
export async function runAwsJob(
  options: AwsRunOptions,
): Promise<{ snapshot: ProgressSnapshot; end: string }> {
  const out = options.out ?? process.stdout;
  const sfn = new SFNClient({});
  const ecs = new ECSClient({});
  const s3 = new S3Client({});
  try {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: options.outputs.StateMachineArn,
        input: JSON.stringify(options.plan.input ?? {}),
      }),
    );
    out.write(`started ${executionArn}\n(follow it later with: stepfleet status ${executionArn})\n`);
    const tty = options.tty ?? out.isTTY === true;
    const { snapshot, end } = await watchRun({
      sfn,
      executionArn: executionArn!,
      reader: new ProgressReader({ sfn, ecs }, executionArn!),
      display: new ProgressDisplay(out, { tty }),
      // On AWS the run goes on without us: without --stop-on-exit, Ctrl-C asks (or detaches).
      onInterrupt: options.stopOnExit ? 'stop' : tty ? 'ask' : 'detach',
      detachOnNo: true,
    });
    if (snapshot.status === 'SUCCEEDED' && options.plan.report) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      const files = await options.plan.report({
        s3,
        output: JSON.parse(described.output ?? 'null'),
        outDir: options.outDir ?? 'out',
        print: (text) => out.write(text.endsWith('\n') ? text : `${text}\n`),
      });
      if (files.length > 0) out.write(`report written: ${files.join(', ')}\n`);
    }
    return { snapshot, end };
  } finally {
    sfn.destroy();
    ecs.destroy();
    s3.destroy();
  }
}
