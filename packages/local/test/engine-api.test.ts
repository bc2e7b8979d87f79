/**
 * The engine through the real @aws-sdk/client-sfn against the local backend: validation and
 * AWS-style errors, name idempotency, listing, history events of activity tasks (scheduled,
 * started with workerName, timed out, retried), `.waitForTaskToken`, aws-sdk:s3 / ecs tasks
 * and their error names, and StopExecution closing an open activity task.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ECSClient } from '@aws-sdk/client-ecs';
import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  GetActivityTaskCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  UpdateMapRunCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import type { LocalBackend } from '@stepfleet/local';
import { createService } from './ecs-harness.ts';
import { awsError, clientConfig, ROLE, type SfnSession, startSfnSession } from './support/sfn-session.ts';

let session: SfnSession;
let backend: LocalBackend;
let sfn: SFNClient;

before(async () => {
  session = await startSfnSession({ timeScale: 20, activityPollSeconds: 60 });
  ({ backend, sfn } = session);
});
after(() => session.close());

const machine = (definition: unknown): Promise<string> => session.machine(definition);
const finished = (executionArn: string) => session.finished(executionArn);
const history = (executionArn: string) => session.history(executionArn);

async function activity(name: string): Promise<string> {
  return (await sfn.send(new CreateActivityCommand({ name }))).activityArn!;
}

const pass = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
const waiting = { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 600, End: true } } };

/** A machine (or processor) of one Task state `T` on `resource`, with `fields` added to it. */
const oneTask = (resource: string, fields: Record<string, unknown> = {}) => ({
  StartAt: 'T',
  States: { T: { Type: 'Task', Resource: resource, ...fields, End: true } },
});

describe('validation and errors', () => {
  test('an unsupported field is refused with InvalidDefinition naming its path', async () => {
    const e = await awsError(
      machine({ StartAt: 'A', States: { A: { Type: 'Pass', Colour: 'red', End: true } } }),
    );
    assert.equal(e.name, 'InvalidDefinition');
    assert.match(e.message, /'Colour' is not supported .* at \/States\/A\/Colour/);
  });

  test('an unsupported resource, a missing Next target and bad JSON are refused', async () => {
    const sqs = await awsError(
      machine({
        StartAt: 'A',
        States: { A: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Next: 'B' } },
      }),
    );
    assert.equal(sqs.name, 'InvalidDefinition');
    assert.match(sqs.message, /\/States\/A\/Resource/);
    assert.match(sqs.message, /MISSING_TRANSITION_TARGET/);
    const json = await awsError(
      sfn.send(new CreateStateMachineCommand({ name: 'bad-json', definition: '{"StartAt":', roleArn: ROLE })),
    );
    assert.equal(json.name, 'InvalidDefinition');
  });

  test('an EXPRESS child that runs an activity is refused', async () => {
    const e = await awsError(
      machine({
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
              ...oneTask('arn:aws:states:us-east-1:123456789012:activity:work'),
            },
            End: true,
          },
        },
      }),
    );
    assert.equal(e.name, 'InvalidDefinition');
    assert.match(e.message, /\/States\/M\/ItemProcessor\/States\/T\/Resource/);
  });

  test('bad names, ARNs and inputs get InvalidName, InvalidArn, StateMachineDoesNotExist, InvalidExecutionInput', async () => {
    assert.equal(
      (
        await awsError(
          sfn.send(
            new CreateStateMachineCommand({
              name: 'has space',
              definition: JSON.stringify(pass),
              roleArn: ROLE,
            }),
          ),
        )
      ).name,
      'InvalidName',
    );
    assert.equal(
      (await awsError(sfn.send(new StartExecutionCommand({ stateMachineArn: 'nope' })))).name,
      'InvalidArn',
    );
    assert.equal(
      (
        await awsError(
          sfn.send(
            new StartExecutionCommand({
              stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:none',
            }),
          ),
        )
      ).name,
      'StateMachineDoesNotExist',
    );
    const arn = await machine(pass);
    assert.equal(
      (await awsError(sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{oops' })))).name,
      'InvalidExecutionInput',
    );
    assert.equal(
      (
        await awsError(
          sfn.send(
            new DescribeExecutionCommand({
              executionArn: `${arn.replace('stateMachine', 'execution')}:none`,
            }),
          ),
        )
      ).name,
      'ExecutionDoesNotExist',
    );
  });

  test('ValidateStateMachineDefinition reports each problem with its code and location', async () => {
    const ok = await sfn.send(
      new ValidateStateMachineDefinitionCommand({ definition: JSON.stringify(pass) }),
    );
    assert.deepEqual([ok.result, ok.diagnostics], ['OK', []]);
    const bad = await sfn.send(
      new ValidateStateMachineDefinitionCommand({
        definition: JSON.stringify({
          StartAt: 'A',
          States: { A: { Type: 'Pass', Colour: 'red', Next: 'Gone' } },
        }),
      }),
    );
    assert.equal(bad.result, 'FAIL');
    assert.deepEqual(
      bad.diagnostics?.map((d) => [d.severity, d.code, d.location]),
      [
        ['ERROR', 'SCHEMA_VALIDATION_FAILED', '/States/A/Colour'],
        ['ERROR', 'MISSING_TRANSITION_TARGET', '/States/A/Next'],
        ['ERROR', 'NO_TERMINAL_STATE', '/'],
      ],
    );
  });

  test('StartExecution is idempotent by name while running with the same input', async () => {
    const arn = await machine(waiting);
    const first = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'once', input: '{"a":1}' }),
    );
    const again = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'once', input: '{"a":1}' }),
    );
    assert.equal(again.executionArn, first.executionArn);
    assert.equal(
      (
        await awsError(
          sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'once', input: '{"a":2}' })),
        )
      ).name,
      'ExecutionAlreadyExists',
    );
    await sfn.send(new StopExecutionCommand({ executionArn: first.executionArn }));
  });

  test('ListExecutions filters by status and pages with nextToken', async () => {
    const arn = await machine(pass);
    for (let i = 0; i < 3; i++)
      await finished((await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }))).executionArn!);
    const waitArn = (await sfn.send(new StartExecutionCommand({ stateMachineArn: await machine(waiting) })))
      .executionArn!;
    const page1 = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2, statusFilter: 'SUCCEEDED' }),
    );
    assert.equal(page1.executions?.length, 2);
    assert.ok(page1.nextToken);
    const page2 = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2, nextToken: page1.nextToken }),
    );
    assert.equal(page2.executions?.length, 1);
    assert.equal(page2.nextToken, undefined);
    assert.ok(page1.executions![0]!.startDate! >= page1.executions![1]!.startDate!);
    await sfn.send(new StopExecutionCommand({ executionArn: waitArn }));
  });
});

describe('activity tasks', () => {
  test('history records ActivityScheduled (timeouts), ActivityStarted (workerName), ActivitySucceeded', async () => {
    const act = await activity('hist');
    const arn = await machine(
      oneTask(act, { HeartbeatSeconds: 30, TimeoutSeconds: 300, Parameters: { 'n.$': '$.n' } }),
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: '{"n":5}' }),
    );
    const task = await sfn.send(new GetActivityTaskCommand({ activityArn: act, workerName: 'worker-7' }));
    assert.deepEqual(JSON.parse(task.input!), { n: 5 });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{"done":true}' }));
    const d = await finished(executionArn!);
    assert.equal(d.status, 'SUCCEEDED');
    assert.deepEqual(JSON.parse(d.output!), { done: true });
    const events = await history(executionArn!);
    assert.deepEqual(
      events.map((e) => e.type),
      [
        'ExecutionStarted',
        'TaskStateEntered',
        'ActivityScheduled',
        'ActivityStarted',
        'ActivitySucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ],
    );
    const scheduled = events[2]!.activityScheduledEventDetails!;
    assert.deepEqual(
      [scheduled.resource, scheduled.input, scheduled.timeoutInSeconds, scheduled.heartbeatInSeconds],
      [act, '{"n":5}', 300, 30],
    );
    assert.equal(events[3]!.activityStartedEventDetails!.workerName, 'worker-7');
    assert.equal(events[4]!.activitySucceededEventDetails!.output, '{"done":true}');
    assert.ok(events.every((e, i) => e.id === i + 1));
  });

  test('a missed heartbeat is States.HeartbeatTimeout, matched by States.Timeout and retried', async () => {
    const act = await activity('heartbeat');
    const arn = await machine(
      oneTask(act, {
        HeartbeatSeconds: 2,
        TimeoutSeconds: 600,
        Retry: [{ ErrorEquals: ['States.Timeout'], IntervalSeconds: 1, MaxAttempts: 1 }],
      }),
    );
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    await sfn.send(new GetActivityTaskCommand({ activityArn: act, workerName: 'silent' }));
    const second = await sfn.send(new GetActivityTaskCommand({ activityArn: act, workerName: 'good' }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: second.taskToken, output: '"ok"' }));
    const d = await finished(executionArn!);
    assert.equal(d.status, 'SUCCEEDED');
    const timedOut = (await history(executionArn!)).find((e) => e.type === 'ActivityTimedOut');
    assert.equal(timedOut?.activityTimedOutEventDetails?.error, 'States.HeartbeatTimeout');
  });

  test('StopExecution aborts the run and closes its activity task (its token answers TaskTimedOut)', async () => {
    const act = await activity('stop');
    const arn = await machine(oneTask(act));
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    const task = await sfn.send(new GetActivityTaskCommand({ activityArn: act, workerName: 'w' }));
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator.Stop', cause: 'test' }));
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    assert.deepEqual([d.status, d.error, d.cause], ['ABORTED', 'Operator.Stop', 'test']);
    assert.equal(
      (await awsError(sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{}' }))))
        .name,
      'TaskTimedOut',
    );
    const events = await history(executionArn!);
    assert.equal(events.at(-1)?.type, 'ExecutionAborted');
  });
});

describe('service integrations', () => {
  test('.waitForTaskToken: the token goes out through aws-sdk:s3:putObject; SendTaskSuccess completes the task', async () => {
    await backend.s3.createBucket('callbacks');
    const arn = await machine(
      oneTask('arn:aws:states:::aws-sdk:s3:putObject.waitForTaskToken', {
        Parameters: { Bucket: 'callbacks', Key: 'token.json', Body: { 'token.$': '$$.Task.Token' } },
      }),
    );
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    let token: string | undefined;
    for (let i = 0; i < 200 && !token; i++) {
      try {
        const got = await backend.s3.getObject('callbacks', 'token.json');
        const chunks: Buffer[] = [];
        for await (const c of got.body) chunks.push(c as Buffer);
        token = (JSON.parse(Buffer.concat(chunks).toString()) as { token: string }).token;
      } catch {
        await sleep(10);
      }
    }
    assert.ok(token);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
    const d = await finished(executionArn!);
    assert.deepEqual(JSON.parse(d.output!), { approved: true });
    const types = (await history(executionArn!)).map((e) => e.type);
    assert.deepEqual(types.slice(2, 6), ['TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded']);
  });

  test('aws-sdk:ecs takes PascalCase parameters and answers in PascalCase, as AWS', async () => {
    const client = new ECSClient(clientConfig(backend.url));
    try {
      await createService({ client }, { cluster: 'engine-cluster', service: 'engine-workers' });
    } finally {
      client.destroy();
    }
    const arn = await machine({
      StartAt: 'Scale',
      States: {
        Scale: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:ecs:updateService',
          Parameters: { Cluster: 'engine-cluster', Service: 'engine-workers', DesiredCount: 0 },
          ResultPath: null,
          Next: 'Describe',
        },
        Describe: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:ecs:describeServices',
          Parameters: { Cluster: 'engine-cluster', Services: ['engine-workers'] },
          ResultSelector: {
            'name.$': '$.Services[0].ServiceName',
            'desired.$': '$.Services[0].DesiredCount',
          },
          End: true,
        },
      },
    });
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    const d = await finished(executionArn!);
    assert.equal(d.status, 'SUCCEEDED', d.cause);
    assert.deepEqual(JSON.parse(d.output!), { name: 'engine-workers', desired: 0 });
  });

  test('aws-sdk:s3 and aws-sdk:ecs errors are named S3.* and Ecs.* and can be caught', async () => {
    await backend.s3.createBucket('sdk-errors');
    const arn = await machine({
      StartAt: 'Get',
      States: {
        Get: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:s3:getObject',
          Parameters: { Bucket: 'sdk-errors', Key: 'none' },
          Catch: [{ ErrorEquals: ['S3.NoSuchKeyException'], ResultPath: '$.s3', Next: 'Ecs' }],
          End: true,
        },
        Ecs: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:ecs:updateService',
          Parameters: { Cluster: 'no-such-cluster', Service: 'svc', DesiredCount: 1 },
          Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.ecs', Next: 'Done' }],
          End: true,
        },
        Done: { Type: 'Succeed' },
      },
    });
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    const d = await finished(executionArn!);
    assert.equal(d.status, 'SUCCEEDED', d.cause);
    const out = JSON.parse(d.output!) as { s3: { Error: string }; ecs: { Error: string } };
    assert.equal(out.s3.Error, 'S3.NoSuchKeyException');
    assert.match(out.ecs.Error, /^Ecs\.\w+Exception$/);
  });
});

describe('Map Runs', () => {
  test('UpdateMapRun changes maxConcurrency of a running Map Run at once; StopExecution closes its tasks', async () => {
    // GIVEN a Distributed Map of 20 activity batches, MaxConcurrency 2, and no worker yet
    const act = await activity('update-map-run');
    const arn = await machine({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          MaxConcurrency: 2,
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            ...oneTask(act),
          },
          End: true,
        },
      },
    });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: arn,
        input: JSON.stringify(Array.from({ length: 20 }, (_, i) => i)),
      }),
    );
    let mapRunArn: string | undefined;
    while (!mapRunArn)
      mapRunArn = (await sfn.send(new ListMapRunsCommand({ executionArn })))?.mapRuns?.[0]?.mapRunArn;
    const running = async (n: number): Promise<void> => {
      for (let i = 0; i < 500; i++) {
        const run = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
        if (run.executionCounts?.running === n && run.itemCounts?.pending === 20 - n) return;
        await sleep(5);
      }
      assert.fail(`the Map Run never had ${n} running children`);
    };
    await running(2);
    // WHEN the controller raises maxConcurrency
    await sfn.send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: 5 }));
    // THEN five children run, each with an activity task waiting for a worker
    await running(5);
    assert.equal((await sfn.send(new DescribeMapRunCommand({ mapRunArn }))).maxConcurrency, 5);
    assert.equal(backend.activities.stats().pendingTasks, 5);
    assert.equal(
      (await awsError(sfn.send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: 10_001 })))).name,
      'ValidationException',
    );
    await sfn.send(new StopExecutionCommand({ executionArn }));
    const run = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
    assert.deepEqual(
      [run.status, run.executionCounts?.running, run.executionCounts?.aborted],
      ['ABORTED', 0, 5],
    );
    assert.equal(backend.activities.stats().pendingTasks, 0);
  });
});
