import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveFleetConfig, type ScaleRequest } from '@stepfleet/controller';
import {
  type BatchTaskInput,
  type ControllerRequest,
  type DistributedMapState,
  defineJob,
  desiredWorkers,
  generateDefinition,
  type JobResources,
  type JobSpec,
  type JobSpecError,
  type JobSpecInput,
  limits,
  STATE_NAMES as S,
  type TaskState,
  toJson,
} from '@stepfleet/job';
import type { StepfleetBatchInput } from '@stepfleet/worker';
import {
  applyParameters,
  assertFailurePathsScaleDown,
  assertTaskClocks,
  assertWellFormed,
  everyState,
  successPath,
} from './asl-checks.ts';

// Compile-time contract: what ScaleUp/ScaleDown send is a ScaleRequest of @stepfleet/controller.
const _controllerAcceptsOurPayload = (request: ControllerRequest): ScaleRequest => request;
// Compile-time contract: a batch task's input is what @stepfleet/worker reads.
const _workerReadsOurEnvelope = (input: BatchTaskInput): StepfleetBatchInput => input;

const ACTIVITY = 'arn:aws:states:us-east-1:000000000000:activity:job-batch';
const AGGREGATE = 'arn:aws:states:us-east-1:000000000000:activity:job-aggregate';
const base = {
  activityArn: ACTIVITY,
  cluster: 'stepfleet',
  service: 'job-workers',
  inputBucket: 'in-bucket',
  resultsBucket: 'out-bucket',
} satisfies JobResources;
const controller = { functionName: 'stepfleet-controller' };

interface Case {
  readonly what: string;
  readonly spec: JobSpecInput;
  readonly resources: JobResources;
}

const worker = { handler: 'dist/handler.js' };
const cases: Case[] = [
  {
    what: 'an S3 object list, mixed capacity, with a controller',
    spec: { name: 'objects', items: { type: 's3-objects', prefix: 'raw/2026/' }, worker },
    resources: { ...base, controller },
  },
  {
    what: 'a CSV with given headers, an aggregate step, Spot only, no controller',
    spec: {
      name: 'csv-job',
      items: { type: 'csv', key: 'in/rows.csv', headers: ['id', 'amount'], delimiter: ';' },
      aggregate: { timeoutSeconds: 600, heartbeatSeconds: 30 },
      fleet: { capacity: 'spot', maxWorkers: 4 },
      worker: { ...worker, cpu: 2048 },
    },
    resources: { ...base, aggregateActivityArn: AGGREGATE },
  },
  {
    what: 'a JSON array trial run with tolerated failure, on-demand, with a controller',
    spec: {
      name: 'json-trial',
      items: { type: 'json', key: 'in/items.json', maxItems: 500 },
      batching: { maxItems: 20, batchInput: { scenarios: 1000 } },
      toleratedFailure: { percentage: 5, count: 2 },
      fleet: { capacity: 'on-demand', maxWorkers: 50 },
      worker,
    },
    resources: { ...base, controller },
  },
  {
    what: 'JSON Lines with an aggregate step, a controller and no retry',
    spec: {
      name: 'jsonl-agg',
      items: { type: 'jsonl', key: 'in/x.jsonl' },
      aggregate: true,
      retry: false,
      worker,
    },
    resources: { ...base, aggregateActivityArn: AGGREGATE, controller },
  },
  {
    what: 'an S3 inventory manifest in a bucket the spec names, a custom strategy, no controller',
    spec: {
      name: 'inventory',
      items: { type: 'manifest', bucket: 'inventory-bucket', key: 'inv/manifest.json' },
      results: { bucket: 'out-bucket', prefix: 'inventory/out' },
      fleet: { capacity: { onDemandBase: 2, onDemandWeight: 1, spotWeight: 4 }, minWorkers: 1 },
      worker,
    },
    resources: { ...base, inputBucket: 'inventory-bucket' },
  },
];

describe('generateDefinition: structure, for every kind of job', () => {
  for (const { what, spec, resources } of cases) {
    test(`GIVEN ${what} WHEN generated THEN the definition is well formed and safe`, () => {
      const job = defineJob(spec);
      const definition = generateDefinition(job, resources);

      assertWellFormed(definition);
      assertFailurePathsScaleDown(definition);
      const activities = assertTaskClocks(definition);
      assert.equal(activities.length, job.aggregate ? 2 : 1);
      assert.equal(definition.QueryLanguage, 'JSONPath');
      assert.equal(definition.TimeoutSeconds, job.timeoutSeconds);
      assert.deepEqual(successPath(definition), [
        S.plan,
        S.scaleUp,
        S.map,
        ...(job.aggregate ? [S.aggregate] : []),
        S.scaleDown,
        S.succeeded,
      ]);
      // Pure: the same arguments give the same definition, and it survives JSON unchanged.
      assert.deepEqual(generateDefinition(job, resources), definition);
      assert.deepEqual(JSON.parse(toJson(definition)), definition);
    });
  }
});

describe('generateDefinition: the Distributed Map', () => {
  const mapOf = (job: JobSpec, resources: JobResources = base) =>
    generateDefinition(job, resources).States[S.map] as DistributedMapState;

  test('GIVEN each item source WHEN generated THEN the ItemReader reads it', () => {
    const readers = cases.map(({ spec, resources }) => mapOf(defineJob(spec), resources).ItemReader);
    assert.deepEqual(readers, [
      {
        Resource: 'arn:aws:states:::s3:listObjectsV2',
        Parameters: { Bucket: 'in-bucket', Prefix: 'raw/2026/' },
      },
      {
        Resource: 'arn:aws:states:::s3:getObject',
        Parameters: { Bucket: 'in-bucket', Key: 'in/rows.csv' },
        ReaderConfig: {
          InputType: 'CSV',
          CSVHeaderLocation: 'GIVEN',
          CSVHeaders: ['id', 'amount'],
          CSVDelimiter: 'SEMICOLON',
        },
      },
      {
        Resource: 'arn:aws:states:::s3:getObject',
        Parameters: { Bucket: 'in-bucket', Key: 'in/items.json' },
        ReaderConfig: { InputType: 'JSON', MaxItems: 500 },
      },
      {
        Resource: 'arn:aws:states:::s3:getObject',
        Parameters: { Bucket: 'in-bucket', Key: 'in/x.jsonl' },
        ReaderConfig: { InputType: 'JSONL' },
      },
      {
        Resource: 'arn:aws:states:::s3:getObject',
        Parameters: { Bucket: 'inventory-bucket', Key: 'inv/manifest.json' },
        ReaderConfig: { InputType: 'MANIFEST' },
      },
    ]);
  });

  test('GIVEN a CSV with a header row and a trial cap WHEN generated THEN FIRST_ROW and MaxItems are set', () => {
    const job = defineJob({ name: 'j', items: { type: 'csv', key: 'a.csv', maxItems: 7 }, worker });
    assert.deepEqual(mapOf(job).ItemReader.ReaderConfig, {
      InputType: 'CSV',
      CSVHeaderLocation: 'FIRST_ROW',
      CSVDelimiter: 'COMMA',
      MaxItems: 7,
    });
  });

  test('GIVEN a job WHEN generated THEN batching, concurrency, tolerance, results and children follow the spec', () => {
    const job = defineJob(cases[2]!.spec);
    const map = mapOf(job);
    assert.deepEqual(map.ItemBatcher, {
      MaxItemsPerBatch: 20,
      MaxInputBytesPerBatch: job.batching.maxBytes,
      BatchInput: { scenarios: 1000 },
    });
    assert.ok(
      map.ItemBatcher.MaxInputBytesPerBatch + limits.ENVELOPE_RESERVE_BYTES <= limits.MAX_PAYLOAD_BYTES,
    );
    assert.equal(map.MaxConcurrency, 50);
    assert.equal(map.ToleratedFailurePercentage, 5);
    assert.equal(map.ToleratedFailureCount, 2);
    assert.deepEqual(map.ResultWriter, {
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { Bucket: 'out-bucket', Prefix: 'results/json-trial' },
    });
    assert.deepEqual(map.ItemProcessor.ProcessorConfig, { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    assert.equal(map.ResultPath, '$.mapRun');
  });

  test('GIVEN no tolerated failure WHEN generated THEN the fields are left to their AWS default of 0', () => {
    const map = mapOf(defineJob(cases[0]!.spec));
    assert.equal(map.ToleratedFailurePercentage, undefined);
    assert.equal(map.ToleratedFailureCount, undefined);
  });

  test('GIVEN a retry policy WHEN generated THEN the batch task retries exactly it', () => {
    const job = defineJob({
      ...cases[0]!.spec,
      retry: {
        errors: ['Worker.Interrupted', 'States.Timeout'],
        intervalSeconds: 3,
        maxAttempts: 4,
        backoffRate: 1.5,
        maxDelaySeconds: 30,
        jitter: 'NONE',
      },
    });
    const batch = mapOf(job).ItemProcessor.States[S.batch] as TaskState;
    assert.deepEqual(batch.Retry, [
      {
        ErrorEquals: ['Worker.Interrupted', 'States.Timeout'],
        IntervalSeconds: 3,
        MaxAttempts: 4,
        BackoffRate: 1.5,
        MaxDelaySeconds: 30,
        JitterStrategy: 'NONE',
      },
    ]);
    const noRetry = mapOf(defineJob({ ...cases[0]!.spec, retry: false })).ItemProcessor.States[
      S.batch
    ] as TaskState;
    assert.equal(noRetry.Retry, undefined);
  });

  test('GIVEN a child execution WHEN its task input is built THEN it is the envelope the worker reads', () => {
    const job = defineJob(cases[2]!.spec);
    const batch = mapOf(job).ItemProcessor.States[S.batch] as TaskState;
    assert.equal(batch.Resource, ACTIVITY);
    const childInput = { Items: [{ id: 1 }, { id: 2 }], BatchInput: { scenarios: 1000 } };
    const context = {
      Execution: { Id: 'arn:aws:states:us-east-1:000000000000:execution:json-trial/ProcessItems:abc' },
      State: { EnteredTime: '2026-11-23T15:00:00.000Z', RetryCount: 2 },
    };
    const input = applyParameters(batch.Parameters, childInput, context) as BatchTaskInput;
    assert.deepEqual(input, {
      Items: [{ id: 1 }, { id: 2 }],
      BatchInput: { scenarios: 1000 },
      stepfleet: {
        kind: 'batch',
        job: 'json-trial',
        executionId: context.Execution.Id,
        stateEnteredTime: '2026-11-23T15:00:00.000Z',
        attempt: 2,
        heartbeatSeconds: job.activity.heartbeatSeconds,
        timeoutSeconds: job.activity.timeoutSeconds,
      },
    });
    assert.equal(batch.HeartbeatSeconds, job.activity.heartbeatSeconds);
    assert.equal(batch.TimeoutSeconds, job.activity.timeoutSeconds);
  });
});

describe('generateDefinition: the aggregate step', () => {
  test('GIVEN an aggregate step WHEN generated THEN it reads the ResultWriter output and keeps its own clocks', () => {
    const job = defineJob(cases[1]!.spec);
    const aggregate = generateDefinition(job, cases[1]!.resources).States[S.aggregate] as TaskState;
    assert.equal(aggregate.Resource, AGGREGATE);
    assert.equal(aggregate.TimeoutSeconds, 600);
    assert.equal(aggregate.HeartbeatSeconds, 30);
    assert.equal(aggregate.ResultPath, '$.result');
    const mapRun = {
      MapRunArn: 'arn:aws:states:us-east-1:000000000000:mapRun:csv-job/ProcessItems:1',
      ResultWriterDetails: { Bucket: 'out-bucket', Key: 'results/csv-job/1/manifest.json' },
    };
    const input = applyParameters(
      aggregate.Parameters,
      { input: {}, mapRun },
      {
        Execution: { Id: 'arn:aws:states:us-east-1:000000000000:execution:csv-job:run-1' },
        State: { EnteredTime: '2026-11-23T15:00:00.000Z', RetryCount: 0 },
      },
    ) as Record<string, unknown>;
    assert.deepEqual(input.ResultWriterDetails, mapRun.ResultWriterDetails);
    assert.equal(input.MapRunArn, mapRun.MapRunArn);
    assert.equal((input.stepfleet as { kind: string }).kind, 'aggregate');
  });

  test('GIVEN no aggregate step WHEN generated THEN the Map goes straight to ScaleDown', () => {
    const definition = generateDefinition(defineJob(cases[0]!.spec), cases[0]!.resources);
    assert.equal(definition.States[S.aggregate], undefined);
    assert.equal((definition.States[S.map] as DistributedMapState).Next, S.scaleDown);
  });
});

describe('generateDefinition: scaling', () => {
  const context = {
    Execution: { Id: 'arn:aws:states:us-east-1:000000000000:execution:json-trial:run-1' },
    StateMachine: { Id: 'arn:aws:states:us-east-1:000000000000:stateMachine:json-trial' },
  };

  test('GIVEN a controller WHEN generated THEN every scale step invokes it with a request the controller accepts', () => {
    const job = defineJob(cases[2]!.spec);
    const definition = generateDefinition(job, cases[2]!.resources);
    const actions: Record<string, ControllerRequest['action']> = {
      [S.scaleUp]: 'scaleUp',
      [S.scaleDown]: 'scaleDown',
      [S.scaleDownOnFailure]: 'scaleDown',
    };
    for (const [name, action] of Object.entries(actions)) {
      const step = definition.States[name] as TaskState;
      assert.equal(step.Resource, 'arn:aws:states:::lambda:invoke');
      assert.equal(step.ResultPath, null, `${name} passes the state's data through`);
      const parameters = applyParameters(step.Parameters, {}, context) as {
        FunctionName: string;
        Payload: ControllerRequest;
      };
      assert.equal(parameters.FunctionName, 'stepfleet-controller');
      const request = parameters.Payload;
      assert.equal(request.action, action);
      assert.equal(request.executionArn, context.Execution.Id);
      assert.equal(request.maxConcurrency, 50);
      assert.equal(request.plannedBatches, 25, '500 items in batches of 20');
      assert.equal(request.waitForWorkersSeconds !== undefined, action === 'scaleUp');
      const fleet = resolveFleetConfig(request.fleet);
      assert.deepEqual(
        { ...fleet, stateMachineArns: undefined },
        {
          cluster: 'stepfleet',
          service: 'job-workers',
          stateMachineArns: undefined,
          minWorkers: 0,
          maxWorkers: 50,
          slotsPerWorker: 1,
          itemsPerBatch: 20,
          tailBatches: 0,
        },
      );
    }
  });

  test('GIVEN no controller WHEN generated THEN ECS UpdateService sizes the fleet up, then to 0 on both paths', () => {
    const job = defineJob(cases[4]!.spec);
    const definition = generateDefinition(job, cases[4]!.resources);
    const desired = (name: string) => {
      const step = definition.States[name] as TaskState;
      assert.equal(step.Resource, 'arn:aws:states:::aws-sdk:ecs:updateService');
      assert.equal(step.Parameters?.Cluster, 'stepfleet');
      assert.equal(step.Parameters?.Service, 'job-workers');
      return step.Parameters?.DesiredCount;
    };
    assert.equal(desired(S.scaleUp), desiredWorkers(job));
    assert.equal(desired(S.scaleUp), 10, 'maxConcurrency 10 on 1-thread workers');
    assert.equal(desired(S.scaleDown), 0);
    assert.equal(desired(S.scaleDownOnFailure), 0);
  });
});

describe('generateDefinition: resources', () => {
  const rejected = (job: JobSpec, resources: unknown): string[] => {
    try {
      generateDefinition(job, resources as JobResources);
    } catch (error) {
      assert.equal((error as Error).name, 'JobSpecError');
      return (error as JobSpecError).issues.map((i) => i.message);
    }
    assert.fail('generateDefinition accepted bad resources');
  };
  const plain = defineJob(cases[0]!.spec);
  const withAggregate = defineJob(cases[1]!.spec);

  test('GIVEN an aggregate step but no aggregate activity WHEN generated THEN resources.aggregateActivityArn is named', () => {
    assert.deepEqual(rejected(withAggregate, base), [
      'resources.aggregateActivityArn is required: the job has an aggregate step',
    ]);
  });

  test('GIVEN an aggregate activity but no aggregate step WHEN generated THEN it is refused, not ignored', () => {
    assert.deepEqual(rejected(plain, { ...base, aggregateActivityArn: AGGREGATE }), [
      'resources.aggregateActivityArn is given but the job has no aggregate step',
    ]);
  });

  test('GIVEN a bucket named twice, differently WHEN generated THEN the conflict is named', () => {
    const job = defineJob(cases[4]!.spec);
    const [message] = rejected(job, { ...base, inputBucket: 'other-bucket' });
    assert.match(
      message!,
      /^resources.inputBucket is "other-bucket" but the spec's items.bucket is "inventory-bucket"/,
    );
  });

  test('GIVEN no bucket anywhere WHEN generated THEN the missing resource is named', () => {
    const { inputBucket: _, ...noInput } = base;
    assert.deepEqual(rejected(plain, noInput), [
      "resources.inputBucket is required: the spec's items.bucket is not set",
    ]);
  });

  test('GIVEN an ARN of another kind or a misspelled field WHEN generated THEN each is named', () => {
    const messages = rejected(plain, {
      ...base,
      activityArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:x',
      controler: controller,
    });
    assert.equal(messages.length, 2);
    assert.match(messages[0]!, /^resources.controler is not a known field/);
    assert.match(messages[1]!, /^resources.activityArn must be an activity ARN/);
  });

  // How CDK renders an unresolved string token (written in pieces: it is not a template literal).
  const cdkToken = (n: number) => ['$', `{Token[TOKEN.${n}]}`].join('');

  test('GIVEN CDK tokens for ARNs and buckets WHEN generated THEN they are placed verbatim', () => {
    const tokens = {
      activityArn: cdkToken(101),
      cluster: cdkToken(102),
      service: cdkToken(103),
      inputBucket: cdkToken(104),
      resultsBucket: cdkToken(105),
    };
    const definition = generateDefinition(plain, tokens);
    const batch = everyState(definition).find((s) => s.name === S.batch)!.state as TaskState;
    assert.equal(batch.Resource, tokens.activityArn);
    assert.equal(
      (definition.States[S.map] as DistributedMapState).ResultWriter.Parameters.Bucket,
      tokens.resultsBucket,
    );
  });
});
