import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  InvalidPropsError,
  WORKER_ENV,
  WORKER_HEALTH_CHECK_COMMAND,
  WorkerFleet,
  type WorkerFleetProps,
} from '@stepfleet/cdk';
import { envVars } from '@stepfleet/worker';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/stepfleet/worker:test');

function fleetStack(props: Partial<WorkerFleetProps> = {}) {
  const stack = new Stack(new App(), 'Test');
  const fleet = new WorkerFleet(stack, 'Fleet', { image, ...props });
  return { stack, fleet };
}

function containerOf(template: Template): Record<string, unknown> {
  const [taskDefinition] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
  return taskDefinition?.Properties.ContainerDefinitions[0];
}

function taskRolePolicy(stack: Stack, template: Template): unknown[] {
  const fleet = stack.node.findChild('Fleet') as WorkerFleet;
  const roleId = stack.resolve((fleet.taskRole.node.defaultChild as iam.CfnRole).logicalId);
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
  return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

test('GIVEN default props WHEN synthesized THEN the service rests at 0 on a Spot/on-demand mix in private subnets', () => {
  const { stack } = fleetStack();
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::ECS::Cluster', {
    ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
  });
  template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
    CapacityProviders: Match.arrayWith(['FARGATE', 'FARGATE_SPOT']),
  });
  template.hasResourceProperties('AWS::ECS::Service', {
    DesiredCount: 0,
    DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 0 }),
    CapacityProviderStrategy: [
      { CapacityProvider: 'FARGATE_SPOT', Weight: 3 },
      { CapacityProvider: 'FARGATE', Weight: 1, Base: 1 },
    ],
    NetworkConfiguration: {
      AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED', Subnets: Match.anyValue() }),
    },
  });
  const subnets = template.findResources('AWS::EC2::Subnet', {
    Properties: { MapPublicIpOnLaunch: false },
  });
  assert.equal(Object.keys(subnets).length, 2, 'two private subnets (one per AZ)');
  template.resourceCountIs('AWS::EC2::NatGateway', 1);
  template.resourceCountIs('AWS::EC2::FlowLog', 1);
});

test('GIVEN a stop timeout and threads WHEN synthesized THEN the container has them, a read-only root and a writable /tmp', () => {
  const { stack } = fleetStack({
    stopTimeout: Duration.seconds(90),
    threads: 3,
    environment: { FOO: 'bar' },
  });
  const template = Template.fromStack(stack);
  const container = containerOf(template);
  assert.equal(container.StopTimeout, 90);
  assert.equal(container.ReadonlyRootFilesystem, true);
  assert.deepEqual(container.MountPoints, [{ ContainerPath: '/tmp', ReadOnly: false, SourceVolume: 'tmp' }]);
  assert.deepEqual(container.Environment, [
    { Name: 'FOO', Value: 'bar' },
    { Name: 'STEPFLEET_STOP_TIMEOUT_SECONDS', Value: '90' },
    { Name: 'STEPFLEET_THREADS', Value: '3' },
  ]);
  assert.deepEqual((container.HealthCheck as { Command: string[] }).Command, [
    'CMD',
    ...WORKER_HEALTH_CHECK_COMMAND,
  ]);
  assert.equal((container.LogConfiguration as { LogDriver: string }).LogDriver, 'awslogs');
  template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
});

test('GIVEN two activities and S3 grants WHEN synthesized THEN the task role holds exactly the statements the worker needs', () => {
  const { stack, fleet } = fleetStack();
  const batch = new sfn.Activity(stack, 'Batch');
  const aggregate = new sfn.Activity(stack, 'Aggregate');
  const bucket = new s3.Bucket(stack, 'Data');
  fleet.addActivity(batch, 'app/dist/batch.js');
  fleet.addActivity(aggregate);
  fleet.grantReadObjects(bucket, 'input/');
  fleet.grantWriteObjects(bucket, 'results/');
  assert.throws(() => fleet.addActivity(batch), /is already polled by this fleet/);
  const template = Template.fromStack(stack);
  const bucketArn = {
    'Fn::GetAtt': [stack.resolve((bucket.node.defaultChild as s3.CfnBucket).logicalId), 'Arn'],
  };
  const objects = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn, `/${prefix}*`]] });
  assert.deepEqual(taskRolePolicy(stack, template), [
    {
      Sid: 'ReportActivityTasks',
      Effect: 'Allow',
      Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
      Resource: '*',
    },
    {
      Sid: 'PollActivities',
      Effect: 'Allow',
      Action: 'states:GetActivityTask',
      Resource: [stack.resolve(batch.activityArn), stack.resolve(aggregate.activityArn)],
    },
    { Effect: 'Allow', Action: 's3:GetObject', Resource: objects('input/') },
    {
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: bucketArn,
      Condition: { StringLike: { 's3:prefix': 'input/*' } },
    },
    { Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: objects('results/') },
  ]);
  const environment = containerOf(template).Environment as { Name: string; Value: unknown }[];
  assert.deepEqual(environment.find((e) => e.Name === 'STEPFLEET_ACTIVITY_ARN')?.Value, {
    'Fn::Join': [
      '',
      [stack.resolve(batch.activityArn), '=app/dist/batch.js,', stack.resolve(aggregate.activityArn)],
    ],
  });
});

test('GIVEN a Spot-only or on-demand-only capacity WHEN synthesized THEN only that provider is in the strategy', () => {
  const spot = Template.fromStack(
    fleetStack({ capacity: { spotWeight: 1, onDemandWeight: 0, onDemandBase: 0 } }).stack,
  );
  spot.hasResourceProperties('AWS::ECS::Service', {
    CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
  });
  const onDemand = Template.fromStack(fleetStack({ capacity: { spotWeight: 0, onDemandWeight: 1 } }).stack);
  onDemand.hasResourceProperties('AWS::ECS::Service', {
    CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 1, Base: 1 }],
  });
});

test('GIVEN an existing cluster WHEN the fleet is built THEN it reuses it and enables its Fargate capacity providers', () => {
  const stack = new Stack(new App(), 'Test');
  const vpc = new ec2.Vpc(stack, 'Vpc', { restrictDefaultSecurityGroup: false });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const fleet = new WorkerFleet(stack, 'Fleet', { image, cluster });
  const template = Template.fromStack(stack);
  assert.equal(fleet.cluster, cluster);
  template.resourceCountIs('AWS::ECS::Cluster', 1);
  template.resourceCountIs('AWS::EC2::VPC', 1);
  template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
    CapacityProviders: Match.arrayWith(['FARGATE', 'FARGATE_SPOT']),
  });
});

test('GIVEN conflicting or invalid props WHEN the fleet is built THEN an InvalidPropsError names the prop', () => {
  const stack = new Stack(new App(), 'Test');
  const vpc = new ec2.Vpc(stack, 'Vpc', { restrictDefaultSecurityGroup: false });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const cases: [Partial<WorkerFleetProps>, RegExp][] = [
    [{ vpc, cluster }, /vpc and cluster are mutually exclusive/],
    [{ stopTimeout: Duration.seconds(121) }, /stopTimeout must be .* to 120/],
    [{ threads: 0 }, /threads must be a positive integer/],
    [{ cpu: 1000 }, /cpu 1000 is not a Fargate CPU value/],
    [
      { cpu: 256, memoryLimitMiB: 4096 },
      /memoryLimitMiB 4096 is not allowed with cpu 256 on Fargate \(512\.\.2048 MiB\)/,
    ],
    [{ capacity: { spotWeight: 0, onDemandWeight: 0 } }, /cannot both be 0/],
    [{ capacity: { spotWeight: -1 } }, /capacity.spotWeight must be a non-negative integer/],
    [{ environment: { STEPFLEET_THREADS: '4' } }, /environment.STEPFLEET_THREADS is set by WorkerFleet/],
  ];
  cases.forEach(([props, message], i) => {
    assert.throws(
      () => new WorkerFleet(stack, `Fleet${i}`, { image, ...props }),
      (error: unknown) => error instanceof InvalidPropsError && message.test(error.message),
    );
  });
});

test('GIVEN a controller role WHEN grantScale is called THEN it may size this service and read its tasks, in this cluster only', () => {
  const { stack, fleet } = fleetStack();
  const role = new iam.Role(stack, 'Controller', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  fleet.grantScale(role);
  const cluster = stack.resolve(fleet.cluster.clusterName);
  Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: [
        {
          Action: ['ecs:UpdateService', 'ecs:DescribeServices'],
          Effect: 'Allow',
          Resource: stack.resolve(fleet.service.serviceArn),
        },
        {
          Action: 'ecs:GetTaskProtection',
          Effect: 'Allow',
          Resource: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':ecs:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':task/',
                cluster,
                '/*',
              ],
            ],
          },
        },
        {
          Action: 'ecs:ListTasks',
          Effect: 'Allow',
          Resource: '*',
          Condition: { ArnEquals: { 'ecs:cluster': stack.resolve(fleet.cluster.clusterArn) } },
        },
      ],
    },
    Roles: [{ Ref: stack.resolve((role.node.defaultChild as iam.CfnRole).logicalId) }],
  });
});

test('GIVEN the variables the fleet sets WHEN compared with what @stepfleet/worker reads THEN every one is known to the worker', () => {
  for (const name of Object.values(WORKER_ENV))
    assert.ok(Object.hasOwn(envVars, name), `${name} is read by the worker`);
});

test('GIVEN a fleet shared by jobs WHEN a setting is set twice THEN the same value is accepted and a different one refused', () => {
  const { fleet } = fleetStack({ environment: { STEPFLEET_LOG_LEVEL: 'info' } });
  fleet.addEnvironment('STEPFLEET_DATA_BUCKET', 'bucket-a');
  fleet.addEnvironment('STEPFLEET_DATA_BUCKET', 'bucket-a');
  const refused = (name: string, value: string, message: RegExp) =>
    assert.throws(
      () => fleet.addEnvironment(name, value),
      (error: unknown) => error instanceof InvalidPropsError && message.test(error.message),
    );
  refused('STEPFLEET_DATA_BUCKET', 'bucket-b', /STEPFLEET_DATA_BUCKET is already set to a different value/);
  refused('STEPFLEET_LOG_LEVEL', 'debug', /STEPFLEET_LOG_LEVEL is already set to a different value/);
  refused('STEPFLEET_THREADS', '2', /STEPFLEET_THREADS is set by WorkerFleet/);
});
