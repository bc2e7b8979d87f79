import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { InvalidPropsError, StepfleetJob, type StepfleetJobProps } from '@stepfleet/cdk';
import { defineJob, generateDefinition, type JobResources, type JobSpecInput } from '@stepfleet/job';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/stepfleet/worker:test');
const worker = { handler: 'examples/demo/src/handler.ts' };
const CONTROLLER_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:stepfleet-controller';

interface Case {
  readonly title: string;
  readonly spec: JobSpecInput;
  readonly controller?: boolean;
}

const CASES: readonly Case[] = [
  {
    title: 'S3 object list, Spot only, no aggregate, no controller',
    spec: {
      name: 'objects',
      items: { type: 's3-objects', prefix: 'in/' },
      worker,
      fleet: { capacity: 'spot' },
    },
  },
  {
    title: 'JSONL with an aggregate step, mixed capacity, a controller',
    spec: { name: 'lines', items: { type: 'jsonl', key: 'data/loans.jsonl' }, aggregate: true, worker },
    controller: true,
  },
  {
    title: 'CSV in a named bucket, on-demand',
    spec: {
      name: 'rows',
      items: { type: 'csv', bucket: 'stepfleet-test-input', key: 'rows.csv' },
      worker,
      fleet: { capacity: 'on-demand' },
    },
  },
  {
    title: 'S3 Inventory manifest, trial run of 100 items',
    spec: {
      name: 'inventory',
      items: {
        type: 'manifest',
        key: 'inventory/src-bucket/daily/2026-01-01T00-00Z/manifest.json',
        maxItems: 100,
      },
      worker,
    },
  },
  {
    title: 'JSON array with aggregate, a named results bucket',
    spec: {
      name: 'array',
      items: { type: 'json', key: 'items.json' },
      results: { bucket: 'stepfleet-test-results', prefix: 'out' },
      aggregate: true,
      worker,
    },
  },
];

function deploy(c: Case, extra: Partial<StepfleetJobProps> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'stepfleet-cdk-'));
  const app = new App({ outdir, context: { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true } });
  const stack = new Stack(app, 'Test');
  const job = defineJob(c.spec);
  const controller = c.controller
    ? lambda.Function.fromFunctionArn(stack, 'Controller', CONTROLLER_ARN)
    : undefined;
  const construct = new StepfleetJob(stack, 'Job', {
    job,
    image,
    ...(controller ? { controller } : {}),
    ...extra,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, job, construct, outdir };
}

/**
 * One deployment of a case, shared by every test that only reads it: a synthesis (with its
 * cdk-nag pass) is the slow part of these tests, and `Template.fromStack` reuses the app's
 * assembly. Tests that add to the stack (grants, other props) deploy their own.
 */
const sharedDeployments = new Map<Case, ReturnType<typeof deploy>>();
function sharedDeploy(c: Case): ReturnType<typeof deploy> {
  let deployment = sharedDeployments.get(c);
  if (!deployment) {
    deployment = deploy(c);
    sharedDeployments.set(c, deployment);
  }
  return deployment;
}
after(() => {
  for (const { outdir } of sharedDeployments.values()) rmSync(outdir, { recursive: true, force: true });
});

/**
 * Replaces each deploy-time reference (Ref / GetAtt) with a stable fake value, so a template's
 * definition and the generator's output for the same fakes can be compared as plain JSON.
 */
function fakeOf(reference: unknown): string {
  return `fake-${JSON.stringify(reference)
    .replace(/[^A-Za-z0-9]+/g, '-')
    .toLowerCase()
    .replace(/^-|-$/g, '')}`.slice(0, 63);
}

for (const c of CASES) {
  test(`GIVEN ${c.title} WHEN synthesized with cdk-nag THEN no finding is left and the definition is exactly the generator's output`, () => {
    const { app, stack, job, construct } = sharedDeploy(c);
    // app.synth() runs the AwsSolutions checks and throws on any unacknowledged finding.
    const template = Template.fromJSON(app.synth().getStackByName(stack.stackName).template);
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    assert.ok(machine);
    const substitutions: Record<string, unknown> = machine.Properties.DefinitionSubstitutions ?? {};
    const deployed = JSON.parse(
      (machine.Properties.DefinitionString as string).replace(/\$\{(\w+)\}/g, (whole, name: string) =>
        name in substitutions ? fakeOf(substitutions[name]) : whole,
      ),
    );
    const fake = (token: string) => fakeOf(stack.resolve(token));
    const resources: JobResources = {
      activityArn: fake(construct.batchActivity.activityArn),
      ...(construct.aggregateActivity
        ? { aggregateActivityArn: fake(construct.aggregateActivity.activityArn) }
        : {}),
      cluster: fake(construct.fleet.cluster.clusterName),
      service: fake(construct.fleet.service.serviceName),
      ...(job.items.bucket ? {} : { inputBucket: fake(construct.inputBucket.bucketName) }),
      ...(job.results.bucket ? {} : { resultsBucket: fake(construct.resultsBucket.bucketName) }),
      ...(c.controller ? { controller: { functionName: 'stepfleet-controller' } } : {}),
    };
    assert.deepEqual(deployed, generateDefinition(job, resources));
    assert.equal(machine.Properties.StateMachineName, job.name);
  });
}

test('GIVEN a job with an aggregate step and a controller WHEN deployed THEN the role holds exactly what the definition calls', () => {
  const { stack, construct } = sharedDeploy(CASES[1]!);
  const template = Template.fromStack(stack);
  const roleId = stack.resolve((construct.role.node.defaultChild as iam.CfnRole).logicalId);
  const [policy] = Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
  );
  const statements: { Sid?: string; Action: string | string[]; Resource: unknown }[] =
    policy?.Properties.PolicyDocument.Statement;
  const actions = statements.map((s) => [s.Sid ?? '', [s.Action].flat().sort().join(' ')]);
  assert.deepEqual(actions, [
    ['StartMapRunChildren', 'states:StartExecution'],
    ['FollowMapRunChildren', 'states:DescribeExecution states:StopExecution'],
    ['InvokeController', 'lambda:InvokeFunction'],
    ['ReadItems', 's3:GetObject'],
    ['WriteResults', 's3:AbortMultipartUpload s3:GetObject s3:ListMultipartUploadParts s3:PutObject'],
    [
      '',
      'logs:CreateLogDelivery logs:DeleteLogDelivery logs:DescribeLogGroups logs:DescribeResourcePolicies logs:GetLogDelivery logs:ListLogDeliveries logs:PutResourcePolicy logs:UpdateLogDelivery',
    ],
    ['', 'xray:GetSamplingRules xray:GetSamplingTargets xray:PutTelemetryRecords xray:PutTraceSegments'],
  ]);
  assert.equal(statements.find((s) => s.Sid === 'InvokeController')?.Resource, CONTROLLER_ARN);
  // No ECS permission: with a controller, the definition never calls ECS itself.
  assert.ok(!JSON.stringify(statements).includes('ecs:'));
  template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
    LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [{}] },
    TracingConfiguration: { Enabled: true },
    StateMachineType: 'STANDARD',
  });
});

test('GIVEN no controller WHEN deployed THEN ScaleUp/ScaleDown may update the worker service and nothing else in ECS', () => {
  const { stack, construct } = sharedDeploy(CASES[0]!);
  Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: [
        {},
        {},
        {
          Sid: 'ScaleFleet',
          Action: 'ecs:UpdateService',
          Resource: stack.resolve(construct.fleet.service.serviceArn),
        },
        {
          Sid: 'ListItems',
          Action: 's3:ListBucket',
          Condition: { StringLike: { 's3:prefix': 'in/*' } },
        },
        {},
        {},
        {},
      ],
    },
  });
});

test('GIVEN the default buckets WHEN deployed THEN they are encrypted, TLS-only, private, logged and retained', () => {
  const { stack } = sharedDeploy(CASES[0]!);
  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::S3::Bucket', 2);
  // Data is kept when the stack goes; the state machine (fixed name, no data) is not.
  for (const bucket of Object.values(template.findResources('AWS::S3::Bucket'))) {
    assert.equal(bucket.DeletionPolicy, 'Retain');
  }
  template.hasResource('AWS::StepFunctions::StateMachine', { DeletionPolicy: 'Delete' });
  template.hasResourceProperties('AWS::S3::Bucket', {
    BucketEncryption: {
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    },
    PublicAccessBlockConfiguration: {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    },
    LoggingConfiguration: { LogFilePrefix: 'data/' },
  });
  const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
  assert.equal(policies.length, 2);
  for (const p of policies) {
    assert.ok(JSON.stringify(p.Properties.PolicyDocument).includes('"aws:SecureTransport":"false"'));
  }
});

test('GIVEN conflicting props WHEN the job is built THEN an InvalidPropsError names them', () => {
  const stack = new Stack(new App(), 'Test');
  const named = defineJob(CASES[2]!.spec);
  const plain = defineJob(CASES[0]!.spec);
  const bucket = new s3.Bucket(stack, 'Bucket');
  const cases: [StepfleetJobProps, RegExp][] = [
    [{ job: plain }, /image is required when no fleet is given/],
    [
      { job: named, image, inputBucket: bucket },
      /inputBucket is given but the spec's items.bucket already names/,
    ],
    [{ job: plain, image, vpc: {} as never, cluster: {} as never }, /vpc and cluster are mutually exclusive/],
  ];
  cases.forEach(([props, message], i) => {
    assert.throws(
      () => new StepfleetJob(stack, `Job${i}`, props),
      (error: unknown) => error instanceof InvalidPropsError && message.test(error.message),
    );
  });
});

test('GIVEN data prefixes WHEN deployed THEN the workers may read and write there, and a bad prefix is refused', (t) => {
  const { stack, construct, outdir } = deploy(CASES[0]!, { dataPrefixes: ['spill/'] });
  t.after(() => rmSync(outdir, { recursive: true, force: true }));
  const bucketArn = stack.resolve(construct.inputBucket.bucketArn);
  const spill = { 'Fn::Join': ['', [bucketArn, '/spill/*']] };
  const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[],
  );
  assert.ok(
    statements.some(
      (s) => s.Action === 's3:GetObject' && JSON.stringify(s.Resource) === JSON.stringify(spill),
    ),
  );
  assert.ok(
    statements.some(
      (s) =>
        JSON.stringify(s.Action) === '["s3:PutObject","s3:AbortMultipartUpload"]' &&
        JSON.stringify(s.Resource) === JSON.stringify(spill),
    ),
  );
  assert.throws(
    () => deploy(CASES[0]!, { dataPrefixes: ['spill'] }),
    (error: unknown) =>
      error instanceof InvalidPropsError && /dataPrefixes: "spill" must be/.test(error.message),
  );
});

test('GIVEN a controller role WHEN grantControl is called THEN it may read the Map Runs of this job and scale its fleet, cdk-nag clean', (t) => {
  const { app, stack, construct, outdir } = deploy(CASES[1]!);
  t.after(() => rmSync(outdir, { recursive: true, force: true }));
  const role = new iam.Role(stack, 'ControllerRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  construct.grantControl(role);
  const roleId = stack.resolve((role.node.defaultChild as iam.CfnRole).logicalId);
  const [policy] = Object.values(
    Template.fromStack(stack).findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
  );
  const statements: { Action: string | string[]; Resource: unknown }[] =
    policy?.Properties.PolicyDocument.Statement;
  const byAction = Object.fromEntries(
    statements.map((s) => [[s.Action].flat().join(' '), JSON.stringify(s.Resource)]),
  );
  assert.match(byAction['states:ListExecutions'] ?? '', /:stateMachine:lines"/);
  assert.match(byAction['states:ListMapRuns states:GetExecutionHistory'] ?? '', /:execution:lines:\*"/);
  assert.match(byAction['states:DescribeMapRun'] ?? '', /:mapRun:lines\/\*"/);
  assert.ok(byAction['ecs:UpdateService ecs:DescribeServices']);
  assert.doesNotThrow(() => app.synth());
});

test('GIVEN a job WHEN its metrics are asked for THEN they read AWS/States per activity and state machine', () => {
  const { stack, construct } = sharedDeploy(CASES[0]!);
  const activity = stack.resolve(construct.batchActivity.activityArn);
  const queue = construct.metricBatchQueueTime();
  assert.equal(queue.namespace, 'AWS/States');
  assert.equal(queue.metricName, 'ActivityScheduleTime');
  assert.deepEqual(stack.resolve(queue.dimensions), { ActivityArn: activity });
  const failures = construct.metricBatchFailures();
  assert.equal(failures.expression, 'failed + timedOut + heartbeatTimedOut');
  assert.deepEqual(
    Object.values(failures.usingMetrics).map((m) => (m as cloudwatch.Metric).metricName),
    ['ActivitiesFailed', 'ActivitiesTimedOut', 'ActivitiesHeartbeatTimedOut'],
  );
  assert.equal(construct.metricRunsFailed().metricName, 'ExecutionsFailed');
});
