import { fileURLToPath } from 'node:url';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { JobStack } from './job-stack.ts';
import { monteCarloDataPrefixes, monteCarloJob } from './monte-carlo-job.ts';

/** The repository root, the worker image's build context. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The infra app: the Monte Carlo example job in the stack `StepfleetMonteCarlo`, checked by
 * cdk-nag's AwsSolutions rules on every synth (a finding without an acknowledgement fails it).
 * The stack is environment-agnostic: the account and region come from the CLI's credentials
 * at deploy time, so `cdk synth` needs none.
 */
export function createApp(props?: AppProps): App {
  const app = new App(props);
  new JobStack(app, 'StepfleetMonteCarlo', {
    job: monteCarloJob,
    dataPrefixes: monteCarloDataPrefixes,
    repositoryRoot: REPOSITORY_ROOT,
    description: 'stepfleet: the Monte Carlo example job (state machine, worker fleet, buckets)',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}
