import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { FleetController, StepfleetJob } from '@stepfleet/cdk';
import { defineJob } from '@stepfleet/job';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { AwsSolutionsChecks } from 'cdk-nag';

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/stepfleet/worker:test');

/** GIVEN a stack with a FleetController serving one job, checked by cdk-nag. */
function deploy({ template = true } = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'stepfleet-cdk-controller-'));
  const app = new App({ outdir, context: { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const controller = new FleetController(stack, 'Controller', { scaleInCooldown: Duration.seconds(45) });
  const job = defineJob({
    name: 'credit-stress',
    items: { type: 'jsonl', key: 'loans.jsonl' },
    batching: { maxItems: 50 },
    aggregate: true,
    worker: { handler: 'dist/handler.js', cpu: 2048 },
    fleet: { maxWorkers: 20 },
  });
  const construct = new StepfleetJob(stack, 'Job', { job, image, controller });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return {
    app,
    stack,
    controller,
    construct,
    outdir,
    template: template ? Template.fromStack(stack) : undefined,
  };
}

/** The one resource a `findResources` found. */
// biome-ignore lint/suspicious/noExplicitAny: template resources are read loosely, field by field.
function only(resources: Record<string, any>): any {
  const values = Object.values(resources);
  assert.equal(values.length, 1, `exactly one resource: ${Object.keys(resources).join(', ')}`);
  return values[0];
}

// One synthesis (and one esbuild bundle) for every test of this file.
let fixture: ReturnType<typeof deploy>;
before(() => {
  fixture = deploy();
});
after(() => rmSync(fixture.outdir, { recursive: true, force: true }));

const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:credit-stress';

/**
 * A template value as one string: `Fn::Join` concatenated, the partition as `aws`, other
 * references as `<LogicalId>` / `<LogicalId.Attr>`.
 */
function plain(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(plain).join(',')}]`;
  const fn = value as Record<string, unknown>;
  if (Array.isArray(fn['Fn::Join'])) {
    const [delimiter, parts] = fn['Fn::Join'] as [string, unknown[]];
    return parts.map(plain).join(delimiter);
  }
  if (fn.Ref === 'AWS::Partition') return 'aws';
  if (typeof fn.Ref === 'string') return `<${fn.Ref}>`;
  if (Array.isArray(fn['Fn::GetAtt'])) return `<${(fn['Fn::GetAtt'] as string[]).join('.')}>`;
  return JSON.stringify(value);
}

test('GIVEN a FleetController WHEN synthesized THEN it is a Node 24 function, bundled offline by esbuild, with a timeout above the ScaleUp wait', async () => {
  const { app, outdir } = fixture;
  const template = fixture.template!;
  template.hasResourceProperties('AWS::Lambda::Function', {
    Runtime: 'nodejs24.x',
    Timeout: Match.anyValue(),
    Handler: 'index.handler',
  });
  const fn = only(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs24.x' } }));
  assert.ok(fn.Properties.Timeout >= 300, 'ScaleUp waits up to 240 s for workers');
  const env = fn.Properties.Environment.Variables;
  assert.equal(env.STEPFLEET_SCALE_IN_COOLDOWN_SECONDS, '45');
  assert.equal(env.STEPFLEET_LOG_LEVEL, 'info');

  // The bundle is in the cloud assembly: esbuild ran here, without Docker.
  app.synth();
  const assetDir = readdirSync(outdir).find((name) => {
    const bundle = join(outdir, name, 'index.mjs');
    return existsSync(bundle) && readFileSync(bundle, 'utf8').includes('Controller.InvalidRequest');
  });
  assert.ok(assetDir, 'the controller bundle (index.mjs) is in the assembly');
  const bundle = join(outdir, assetDir, 'index.mjs');
  const size = statSync(bundle).size;
  assert.ok(size > 10_000, `the bundle includes its dependencies (${size} bytes)`);
  // And it runs on its own: the handler answers a bad event with its named error.
  const { handler } = (await import(pathToFileURL(bundle).href)) as {
    handler: (event: unknown) => Promise<unknown>;
  };
  await assert.rejects(handler({ hello: 'world' }), { name: 'Controller.InvalidRequest' });
});

test('GIVEN a FleetController serving a job WHEN synthesized THEN its fleets, schedule and execution rule name the job without a dependency cycle', () => {
  // Template.fromStack fails on a cycle; the state machine depends on the function, not back.
  const template = fixture.template!;
  const fn = only(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs24.x' } }));
  const fleets = JSON.parse(plain(fn.Properties.Environment.Variables.STEPFLEET_FLEETS));
  assert.deepEqual(fleets, [
    {
      cluster: '<JobFleetCluster9758CB0C>',
      service: '<JobFleetServiceFD3C3BF3.Name>',
      // Formatted from the fixed name: no reference to the state machine, which references the function.
      stateMachineArns: [STATE_MACHINE_ARN],
      minWorkers: 0,
      maxWorkers: 20,
      slotsPerWorker: 2,
      itemsPerBatch: 50,
      tailBatches: 1,
    },
  ]);
  template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: {
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [Match.anyValue()] },
    },
  });
  const rule = only(
    template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['aws.states'] } } }),
  );
  assert.equal(plain(rule.Properties.EventPattern.detail.stateMachineArn[0]), STATE_MACHINE_ARN);
  // The state machine invokes the controller by name.
  const machine = only(template.findResources('AWS::StepFunctions::StateMachine'));
  assert.match(JSON.stringify(machine.Properties), /lambda:invoke/);
});

test('GIVEN a FleetController serving a job WHEN synthesized THEN its role may only read that job and scale its service', () => {
  const template = fixture.template!;
  const policies = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p).includes('states:ListExecutions'))
    .flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
  const actions = new Map(
    policies.flatMap((s) => [s.Action].flat().map((a) => [a, plain(s.Resource)] as const)),
  );
  assert.deepEqual([...actions.keys()].sort(), [
    'ecs:DescribeServices',
    'ecs:GetTaskProtection',
    'ecs:ListTasks',
    'ecs:UpdateService',
    'states:DescribeMapRun',
    'states:GetExecutionHistory',
    'states:ListExecutions',
    'states:ListMapRuns',
  ]);
  assert.equal(actions.get('states:ListExecutions'), STATE_MACHINE_ARN);
  assert.equal(
    actions.get('states:ListMapRuns'),
    'arn:aws:states:eu-west-1:123456789012:execution:credit-stress:*',
  );
  assert.equal(
    actions.get('states:GetExecutionHistory'),
    'arn:aws:states:eu-west-1:123456789012:execution:credit-stress:*',
  );
  assert.equal(
    actions.get('states:DescribeMapRun'),
    'arn:aws:states:eu-west-1:123456789012:mapRun:credit-stress/*',
  );
  assert.equal(actions.get('ecs:UpdateService'), '<JobFleetServiceFD3C3BF3>');
  assert.equal(actions.get('ecs:DescribeServices'), '<JobFleetServiceFD3C3BF3>');
  assert.equal(
    actions.get('ecs:GetTaskProtection'),
    'arn:aws:ecs:eu-west-1:123456789012:task/<JobFleetCluster9758CB0C>/*',
  );
  assert.equal(
    actions.get('ecs:ListTasks'),
    '*',
    'ListTasks has no resource type; the statement is conditioned on the cluster',
  );
});

test('GIVEN a FleetController serving a job WHEN synthesized with cdk-nag AwsSolutions THEN there is no unacknowledged finding', () => {
  // A stack of its own: its first synthesis is the one that runs the cdk-nag checks.
  const { app, outdir } = deploy({ template: false });
  try {
    assert.doesNotThrow(() => app.synth());
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
