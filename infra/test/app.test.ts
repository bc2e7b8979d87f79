import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { createApp } from '../lib/app.ts';
import { JOB_STACK_OUTPUTS, type JobStack } from '../lib/job-stack.ts';
import { monteCarloJob } from '../lib/monte-carlo-job.ts';

const INFRA = fileURLToPath(new URL('..', import.meta.url));
const exec = promisify(execFile);

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'stepfleet-infra-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('GIVEN the infra app WHEN synthesized in process THEN cdk-nag passes and the stack deploys the Monte Carlo job with its outputs', (t) => {
  const app = createApp({ outdir: tempDir(t) });
  const assembly = app.synth();
  const stack = app.node.findChild('StepfleetMonteCarlo') as JobStack;
  const template = Template.fromJSON(assembly.getStackByName(stack.stackName).template);
  template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
    StateMachineName: monteCarloJob.name,
  });
  template.resourceCountIs('AWS::StepFunctions::Activity', monteCarloJob.aggregate ? 2 : 1);
  template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 0 });
  assert.deepEqual(Object.keys(template.findOutputs('*')).sort(), Object.values(JOB_STACK_OUTPUTS).sort());
  // The worker image is an asset built from docker/Dockerfile at deploy time.
  const assets = JSON.parse(readFileSync(join(assembly.directory, `${stack.stackName}.assets.json`), 'utf8'));
  const images = Object.values(assets.dockerImages ?? {}) as { source: { dockerFile?: string } }[];
  assert.deepEqual(
    images.map((i) => i.source.dockerFile),
    ['docker/Dockerfile'],
  );
});

test('GIVEN a fresh shell with no AWS credentials WHEN `cdk synth` runs in infra/ THEN it succeeds offline with cdk-nag on', async (t) => {
  const out = tempDir(t);
  const cli = join(dirname(createRequire(import.meta.url).resolve('aws-cdk/package.json')), 'bin', 'cdk');
  // No credentials and no region: synth of an environment-agnostic stack needs neither. The
  // app command in cdk.json carries its own --conditions flag, so NODE_OPTIONS is not needed.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(AWS_|NODE_OPTIONS$|CDK_)/.test(name)),
  );
  const { stdout } = await exec(
    process.execPath,
    [cli, 'synth', '--quiet', '--output', out, '--no-notices'],
    {
      cwd: INFRA,
      env: { ...env, AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' },
    },
  );
  const template = JSON.parse(readFileSync(join(out, 'StepfleetMonteCarlo.template.json'), 'utf8'));
  assert.ok(template.Resources, stdout);
  const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8'));
  assert.deepEqual(report.pluginReports, [], 'no validation finding');
});

test('GIVEN the infra app WHEN a resource breaks an AwsSolutions rule THEN synth fails: cdk-nag runs on every synth', (t) => {
  const outdir = tempDir(t);
  const app = createApp({ outdir });
  new s3.Bucket(app.node.findChild('StepfleetMonteCarlo') as JobStack, 'UnloggedBucket');
  assert.throws(() => app.synth(), /Validation failed/);
  const report = readFileSync(join(outdir, 'validation-report.json'), 'utf8');
  assert.match(report, /AwsSolutions-S1/);
  assert.match(report, /UnloggedBucket/);
});
