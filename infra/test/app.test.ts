import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFINITION_PLACEHOLDERS } from '@stepfleet/cdk';
import { generateDefinition, type JobResources } from '@stepfleet/job';
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

test('GIVEN a shell with no AWS credentials WHEN `cdk synth` runs in infra/ THEN it succeeds offline, cdk-nag clean, deploying exactly the generated definition', async (t) => {
  // GIVEN no credentials, no region, no NODE_OPTIONS: the app command in cdk.json is self-sufficient
  const out = tempDir(t);
  const cli = join(dirname(createRequire(import.meta.url).resolve('aws-cdk/package.json')), 'bin', 'cdk');
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(AWS_|NODE_OPTIONS$|CDK_)/.test(name)),
  );
  // WHEN
  await exec(process.execPath, [cli, 'synth', '--quiet', '--output', out, '--no-notices'], {
    cwd: INFRA,
    env: { ...env, AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' },
  });
  // THEN cdk-nag reported nothing
  const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8'));
  assert.deepEqual(report.pluginReports, []);
  const template = Template.fromJSON(
    JSON.parse(readFileSync(join(out, 'StepfleetMonteCarlo.template.json'), 'utf8')),
  );
  template.resourceCountIs('AWS::StepFunctions::Activity', monteCarloJob.aggregate ? 2 : 1);
  template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 0 });
  assert.deepEqual(Object.keys(template.findOutputs('*')).sort(), Object.values(JOB_STACK_OUTPUTS).sort());
  // AND the definition is the generator's output for the example's job, word for word
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  assert.ok(machine);
  const substitutions: Record<string, unknown> = machine.Properties.DefinitionSubstitutions;
  const fake = (name: string) =>
    `fake-${JSON.stringify(substitutions[name])}`
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/-$/, '')
      .slice(0, 60);
  const resources: Record<string, unknown> = {};
  for (const [field, name] of Object.entries(DEFINITION_PLACEHOLDERS)) {
    if (name in substitutions) resources[field] = fake(name);
  }
  // One bucket serves as input and results when the spec names neither: it is bound once.
  resources.resultsBucket ??= resources.inputBucket;
  // The fleet controller is bound by its function name.
  if (typeof resources.controller === 'string') resources.controller = { functionName: resources.controller };
  const deployed = JSON.parse(
    (machine.Properties.DefinitionString as string).replace(/\$\{(\w+)\}/g, (_: string, name: string) =>
      fake(name),
    ),
  );
  assert.deepEqual(deployed, generateDefinition(monteCarloJob, resources as unknown as JobResources));
  assert.equal(machine.Properties.StateMachineName, monteCarloJob.name);
  // AND the worker image is an asset built from docker/Dockerfile for the fleet's architecture
  const assets = JSON.parse(readFileSync(join(out, 'StepfleetMonteCarlo.assets.json'), 'utf8'));
  const images = Object.values(assets.dockerImages ?? {}) as {
    source: { dockerFile?: string; platform?: string };
  }[];
  assert.deepEqual(
    images.map((i) => [i.source.dockerFile, i.source.platform]),
    [['docker/Dockerfile', 'linux/amd64']],
  );
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
