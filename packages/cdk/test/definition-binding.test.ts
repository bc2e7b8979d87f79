import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFINITION_PLACEHOLDERS, definitionNeeds, InvalidPropsError, placeholdTokens } from '@stepfleet/cdk';
import { defineJob, generateDefinition, type StateMachineDefinition } from '@stepfleet/job';
import { App, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';

const job = defineJob({
  name: 'binding',
  items: { type: 's3-objects', prefix: 'in/' },
  aggregate: true,
  worker: { handler: 'handler.js' },
});

test('GIVEN a definition holding tokens WHEN placeheld THEN each token becomes a named placeholder bound back once', () => {
  const stack = new Stack(new App(), 'Test');
  const batch = new sfn.Activity(stack, 'Batch');
  const aggregate = new sfn.Activity(stack, 'Aggregate');
  const resources = {
    activityArn: batch.activityArn,
    aggregateActivityArn: aggregate.activityArn,
    cluster: 'workers',
    service: 'workers-service',
    inputBucket: 'stepfleet-binding-input',
    resultsBucket: 'stepfleet-binding-input',
  };
  const json = JSON.stringify(generateDefinition(job, resources));
  const { definitionString, substitutions } = placeholdTokens(json, resources);
  assert.deepEqual(Object.keys(substitutions), [
    DEFINITION_PLACEHOLDERS.activityArn,
    DEFINITION_PLACEHOLDERS.aggregateActivityArn,
  ]);
  assert.equal(substitutions.BatchActivityArn, batch.activityArn);
  const placeholder = (name: string) => `"Resource":"\${${name}}"`;
  assert.ok(definitionString.includes(placeholder('BatchActivityArn')));
  assert.ok(definitionString.includes(placeholder('AggregateActivityArn')));
  // Plain strings stay as they are: only deploy-time values are bound.
  assert.ok(definitionString.includes('"Cluster":"workers"'));
  assert.doesNotMatch(definitionString, /\$\{Token\[/);
});

test('GIVEN a token the placeholders do not know WHEN placeheld THEN it is refused, never deployed unbound', () => {
  const stack = new Stack(new App(), 'Test');
  const stray = new sfn.Activity(stack, 'Stray').activityArn;
  const resources = {
    activityArn: 'arn:aws:states:us-east-1:123456789012:activity:a',
    cluster: 'c',
    service: 's',
  };
  assert.throws(
    () => placeholdTokens(`{"Resource":"${stray}"}`, resources),
    (error: unknown) => error instanceof InvalidPropsError && /cannot bind/.test(error.message),
  );
});

test('GIVEN definitions WHEN their needs are read THEN every integration is found, and an unknown one is an error', () => {
  const activityArn = 'arn:aws:states:us-east-1:123456789012:activity:batch';
  const aggregateActivityArn = 'arn:aws:states:us-east-1:123456789012:activity:agg';
  const base = {
    activityArn,
    aggregateActivityArn,
    cluster: 'c',
    service: 's',
    inputBucket: 'stepfleet-in',
    resultsBucket: 'stepfleet-out',
  };
  const direct = definitionNeeds(generateDefinition(job, base), [activityArn, aggregateActivityArn]);
  assert.deepEqual(direct, {
    distributedMap: true,
    ecsActions: ['ecs:UpdateService'],
    invokesLambda: false,
    listsObjects: true,
    readsObject: false,
    writesResults: true,
  });
  const controlled = definitionNeeds(
    generateDefinition(job, { ...base, controller: { functionName: 'controller' } }),
    [activityArn, aggregateActivityArn],
  );
  assert.equal(controlled.invokesLambda, true);
  assert.deepEqual(controlled.ecsActions, []);
  const unknown: StateMachineDefinition = {
    Comment: 'x',
    QueryLanguage: 'JSONPath',
    StartAt: 'Send',
    TimeoutSeconds: 60,
    States: {
      Send: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', TimeoutSeconds: 10, End: true },
    },
  };
  assert.throws(
    () => definitionNeeds(unknown, []),
    (error: unknown) =>
      error instanceof InvalidPropsError &&
      /state Send: no IAM mapping for Task resource arn:aws:states:::sns:publish/.test(error.message),
  );
});
