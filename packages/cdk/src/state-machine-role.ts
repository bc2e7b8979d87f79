import type { JobSpec, StateMachineDefinition } from '@stepfleet/job';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { definitionNeeds } from './definition-needs.ts';
import { InvalidPropsError } from './errors.ts';
import { inputPrefix, inventoryObjects } from './job-prefixes.ts';
import { acknowledge, wildcardResourceFinding } from './nag.ts';

/** What the state machine's permissions are derived from. */
export interface StateMachineRoleContext {
  readonly role: iam.IRole;
  readonly job: JobSpec;
  readonly definition: StateMachineDefinition;
  /** The state machine's fixed name (its ARN is built from it: the state machine depends on the role). */
  readonly stateMachineName: string;
  /** Activity ARNs the definition names as Task resources (they need no permission). */
  readonly activityArns: readonly string[];
  readonly inputBucket: s3.IBucket;
  readonly resultsBucket: s3.IBucket;
  /** ARN of the worker service the ScaleUp/ScaleDown states update without a controller. */
  readonly serviceArn: string;
  readonly controller?: lambda.IFunction;
}

/**
 * An ARN of a Step Functions resource of `stateMachineName` in the scope's stack:
 * `stateMachine` (`name`), `execution` (`name:id`, `name/label:id` for Map Run children) or
 * `mapRun` (`name/label:id`).
 */
export function statesArn(scope: Construct, resource: string, resourceName: string): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource,
    resourceName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * Gives the state machine's role exactly the permissions its definition's states call for (see
 * {@link definitionNeeds}), each statement on the narrowest resource, and acknowledges the
 * wildcards that remain with the reason they cannot be narrower.
 */
export function grantDefinitionNeeds(scope: Construct, ctx: StateMachineRoleContext): void {
  const { job, role } = ctx;
  const needs = definitionNeeds(ctx.definition, ctx.activityArns);
  const allow = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) }),
    );
  const findings: Record<string, string> = {};

  if (needs.distributedMap) {
    const childExecutions = statesArn(scope, 'execution', `${ctx.stateMachineName}/*`);
    allow(
      'StartMapRunChildren',
      ['states:StartExecution'],
      [statesArn(scope, 'stateMachine', ctx.stateMachineName)],
    );
    allow('FollowMapRunChildren', ['states:DescribeExecution', 'states:StopExecution'], [childExecutions]);
    findings[wildcardResourceFinding(scope, childExecutions)] =
      'The Distributed Map starts child executions whose names are chosen at run time; the grant is ' +
      "limited to this state machine's own executions.";
  }
  if (needs.ecsActions.length > 0) {
    allow('ScaleFleet', [...needs.ecsActions], [ctx.serviceArn]);
  }
  if (needs.invokesLambda) {
    if (!ctx.controller)
      throw new InvalidPropsError('the definition invokes a controller function but none is given');
    allow('InvokeController', ['lambda:InvokeFunction'], [ctx.controller.functionArn]);
  }
  if (needs.listsObjects) {
    const prefix = inputPrefix(job);
    allow(
      'ListItems',
      ['s3:ListBucket'],
      [ctx.inputBucket.bucketArn],
      prefix ? { StringLike: { 's3:prefix': `${prefix}*` } } : undefined,
    );
  }
  if (needs.readsObject && job.items.type !== 's3-objects') {
    const objects = job.items.type === 'manifest' ? inventoryObjects(job.items.key) : job.items.key;
    const arn = ctx.inputBucket.arnForObjects(objects);
    allow('ReadItems', ['s3:GetObject'], [arn]);
    if (objects.endsWith('*')) {
      findings[wildcardResourceFinding(scope, arn)] =
        "An S3 Inventory report's data files are named by the inventory run; the grant is limited to " +
        'the folder of this inventory configuration.';
    }
  }
  if (needs.writesResults) {
    const arn = ctx.resultsBucket.arnForObjects(`${job.results.prefix}/*`);
    // The ResultWriter's permissions, as AWS documents them for Distributed Map.
    allow(
      'WriteResults',
      ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
      [arn],
    );
    findings[wildcardResourceFinding(scope, arn)] =
      'The ResultWriter writes manifest.json and result files under <prefix>/<Map Run id>/, named at run ' +
      "time; the grant is limited to the job's results prefix.";
  }
  for (const bucket of new Set([ctx.inputBucket, ctx.resultsBucket])) {
    bucket.encryptionKey?.grantEncryptDecrypt(role);
  }
  acknowledge(role, findings);
}
