/**
 * What a Distributed Map leaves behind, through the real client-sfn and client-s3: the
 * ResultWriter's files in AWS's layout and shape (`manifest.json` listing `SUCCEEDED_n.json`,
 * `FAILED_n.json` and `PENDING_n.json` with their sizes; the items never started when the Map Run
 * failed are PENDING), and the Map Run events of the parent's history (MapRunStarted with the
 * Map Run's ARN, MapRunSucceeded, MapRunFailed with error and cause, MapRunAborted).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeMapRunCommand,
  type HistoryEvent,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { awsError, clientConfig, type SfnSession, startSfnSession } from './support/sfn-session.ts';

const RESULTS = 'map-run-results';
let session: SfnSession;
let s3: S3Client;

before(async () => {
  session = await startSfnSession({ timeScale: 20 });
  s3 = new S3Client({ ...clientConfig(session.backend.url), forcePathStyle: true, maxAttempts: 1 });
  await session.backend.s3.createBucket(RESULTS);
});
after(async () => {
  s3.destroy();
  await session.close();
});

/** A Distributed Map whose child fails an item `{fail: true}` with `Item.Bad`, and passes the others. */
function distributedMap(extra: Record<string, unknown>, child?: Record<string, unknown>): unknown {
  return {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          ...(child ?? {
            StartAt: 'Check',
            States: {
              Check: {
                Type: 'Choice',
                Choices: [{ Variable: '$.fail', IsPresent: true, Next: 'Bad' }],
                Default: 'Good',
              },
              Bad: { Type: 'Fail', Error: 'Item.Bad', Cause: 'bad item' },
              Good: { Type: 'Pass', Parameters: { 'done.$': '$.id' }, End: true },
            },
          }),
        },
        ...extra,
        End: true,
      },
    },
  };
}

async function text(bucket: string, key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return got.Body!.transformToString();
}

/** The events from MapStateEntered on, as [type, details] (details under the key AWS uses). */
function mapEvents(events: HistoryEvent[]): [string, unknown][] {
  const from = events.findIndex((e) => e.type === 'MapStateEntered');
  return events.slice(from).map((e) => {
    const detailsKey = `${e.type![0]!.toLowerCase()}${e.type!.slice(1)}EventDetails` as keyof HistoryEvent;
    return [e.type!, e[detailsKey]];
  });
}

interface Manifest {
  DestinationBucket: string;
  MapRunArn: string;
  ResultFiles: Record<'FAILED' | 'PENDING' | 'SUCCEEDED', { Key: string; Size: number }[]>;
}

describe('ResultWriter', () => {
  test('GIVEN a Map Run that fails past its tolerance THEN SUCCEEDED_0, FAILED_0 and PENDING_0 hold every item and the manifest lists them', async () => {
    // GIVEN five items, one child at a time, the second item failing, no tolerated failure
    const arn = await session.machine(
      distributedMap({
        MaxConcurrency: 1,
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: RESULTS, Prefix: 'runs/failing' },
        },
      }),
    );
    const items = [{ id: 0 }, { id: 1, fail: true }, { id: 2 }, { id: 3 }, { id: 4 }];
    // WHEN it runs
    const { executionArn } = await session.sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify(items) }),
    );
    const execution = await session.finished(executionArn!);
    // THEN the execution fails with the threshold error, and the results are written all the same
    assert.deepEqual(
      [execution.status, execution.error],
      ['FAILED', 'States.ExceedToleratedFailureThreshold'],
    );
    const mapRunArn = await session.mapRunArnOf(executionArn!);
    const base = `runs/failing/${mapRunArn.split(':').at(-1)}`;
    const manifest = JSON.parse(await text(RESULTS, `${base}/manifest.json`)) as Manifest;
    assert.deepEqual(
      [manifest.DestinationBucket, manifest.MapRunArn, Object.keys(manifest.ResultFiles).sort()],
      [RESULTS, mapRunArn, ['FAILED', 'PENDING', 'SUCCEEDED']],
    );
    for (const status of ['SUCCEEDED', 'FAILED', 'PENDING'] as const) {
      const files = manifest.ResultFiles[status];
      assert.deepEqual(
        files.map((f) => f.Key),
        [`${base}/${status}_0.json`],
      );
      const head = await s3.send(new HeadObjectCommand({ Bucket: RESULTS, Key: files[0]!.Key }));
      assert.equal(files[0]!.Size, head.ContentLength, `the manifest gives the size of ${status}_0.json`);
    }
    const [succeeded] = JSON.parse(await text(RESULTS, `${base}/SUCCEEDED_0.json`)) as Record<
      string,
      unknown
    >[];
    assert.deepEqual(
      [
        succeeded!.Input,
        succeeded!.Output,
        succeeded!.Status,
        succeeded!.InputDetails,
        succeeded!.OutputDetails,
      ],
      ['{"id":0}', '{"done":0}', 'SUCCEEDED', { Included: true }, { Included: true }],
    );
    assert.match(String(succeeded!.ExecutionArn), /^arn:aws:states:us-east-1:\d{12}:execution:m\d+\/Each:/);
    const [failed, ...moreFailed] = JSON.parse(await text(RESULTS, `${base}/FAILED_0.json`)) as Record<
      string,
      unknown
    >[];
    assert.deepEqual(moreFailed, []);
    assert.deepEqual(
      [failed!.Input, failed!.Status, failed!.Error, failed!.Cause],
      ['{"id":1,"fail":true}', 'FAILED', 'Item.Bad', 'bad item'],
    );
    assert.deepEqual(JSON.parse(await text(RESULTS, `${base}/PENDING_0.json`)), [
      { Input: '{"id":2}', InputDetails: { Included: true }, Status: 'PENDING' },
      { Input: '{"id":3}', InputDetails: { Included: true }, Status: 'PENDING' },
      { Input: '{"id":4}', InputDetails: { Included: true }, Status: 'PENDING' },
    ]);
    // AND the Map Run counts agree with the files
    const run = await session.sfn.send(new DescribeMapRunCommand({ mapRunArn }));
    assert.deepEqual(
      [
        run.status,
        run.itemCounts?.succeeded,
        run.itemCounts?.failed,
        run.itemCounts?.pending,
        run.itemCounts?.total,
      ],
      ['FAILED', 1, 1, 3, 5],
    );
  });

  test('GIVEN a Map Run that succeeds THEN the manifest lists no PENDING file and none is written', async () => {
    const arn = await session.machine(
      distributedMap({
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: RESULTS, Prefix: 'runs/ok' },
        },
      }),
    );
    const { executionArn } = await session.sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify([{ id: 7 }, { id: 8 }]) }),
    );
    const execution = await session.finished(executionArn!);
    assert.equal(execution.status, 'SUCCEEDED', execution.cause);
    const output = JSON.parse(execution.output!) as {
      MapRunArn: string;
      ResultWriterDetails: { Key: string };
    };
    const manifest = JSON.parse(await text(RESULTS, output.ResultWriterDetails.Key)) as Manifest;
    assert.deepEqual([manifest.ResultFiles.PENDING, manifest.ResultFiles.FAILED], [[], []]);
    const base = output.ResultWriterDetails.Key.replace(/\/manifest\.json$/, '');
    const missing = await awsError(
      s3.send(new HeadObjectCommand({ Bucket: RESULTS, Key: `${base}/PENDING_0.json` })),
    );
    assert.equal(missing.name, 'NotFound');
    const results = JSON.parse(await text(RESULTS, manifest.ResultFiles.SUCCEEDED[0]!.Key)) as {
      Output: string;
    }[];
    assert.deepEqual(
      results.map((r) => JSON.parse(r.Output)).sort((a, b) => a.done - b.done),
      [{ done: 7 }, { done: 8 }],
    );
  });
});

describe('Map Run events in the parent history', () => {
  test('GIVEN a Map Run that succeeds THEN MapRunStarted names its ARN and MapRunSucceeded closes it before MapStateExited', async () => {
    const arn = await session.machine(distributedMap({}));
    const { executionArn } = await session.sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify([{ id: 1 }, { id: 2 }]) }),
    );
    assert.equal((await session.finished(executionArn!)).status, 'SUCCEEDED');
    const mapRunArn = await session.mapRunArnOf(executionArn!);
    const events = await session.history(executionArn!);
    assert.deepEqual(
      mapEvents(events).map(([type]) => type),
      ['MapStateEntered', 'MapRunStarted', 'MapRunSucceeded', 'MapStateExited', 'ExecutionSucceeded'],
    );
    assert.deepEqual(mapEvents(events)[1]![1], { mapRunArn });
    assert.equal(mapEvents(events)[2]![1], undefined);
    assert.ok(events.every((e, i) => e.id === i + 1 && e.previousEventId === i));
  });

  test('GIVEN a failing Map Run THEN MapRunFailed carries its error and cause, and the execution fails after it', async () => {
    const arn = await session.machine(distributedMap({ MaxConcurrency: 1 }));
    const { executionArn } = await session.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: arn,
        input: JSON.stringify([{ id: 1, fail: true }, { id: 2 }]),
      }),
    );
    const execution = await session.finished(executionArn!);
    assert.equal(execution.status, 'FAILED');
    const events = mapEvents(await session.history(executionArn!));
    assert.deepEqual(
      events.map(([type]) => type),
      ['MapStateEntered', 'MapRunStarted', 'MapRunFailed', 'ExecutionFailed'],
    );
    assert.deepEqual(events[2]![1], {
      error: 'States.ExceedToleratedFailureThreshold',
      cause: execution.cause,
    });
  });

  test('GIVEN a ResultWriter that cannot write THEN the Map Run fails with States.ResultWriterFailed', async () => {
    const arn = await session.machine(
      distributedMap({
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'no-such-bucket', Prefix: 'x' },
        },
      }),
    );
    const { executionArn } = await session.sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify([{ id: 1 }]) }),
    );
    const execution = await session.finished(executionArn!);
    assert.deepEqual([execution.status, execution.error], ['FAILED', 'States.ResultWriterFailed']);
    const failed = mapEvents(await session.history(executionArn!)).find(([type]) => type === 'MapRunFailed');
    assert.equal((failed?.[1] as { error?: string } | undefined)?.error, 'States.ResultWriterFailed');
    const run = await session.sfn.send(
      new DescribeMapRunCommand({ mapRunArn: await session.mapRunArnOf(executionArn!) }),
    );
    assert.deepEqual([run.status, run.itemCounts?.succeeded], ['FAILED', 1]);
  });

  test('GIVEN a running Map Run WHEN the execution is stopped THEN MapRunAborted precedes ExecutionAborted', async () => {
    // GIVEN children that wait (600 simulated s), two at a time, over five items
    const arn = await session.machine(
      distributedMap(
        { MaxConcurrency: 2 },
        { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 600, End: true } } },
      ),
    );
    const { executionArn } = await session.sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify([1, 2, 3, 4, 5]) }),
    );
    const mapRunArn = await session.mapRunArnOf(executionArn!);
    for (let i = 0; ; i++) {
      const run = await session.sfn.send(new DescribeMapRunCommand({ mapRunArn }));
      if (run.executionCounts?.running === 2) break;
      assert.ok(i < 1000, 'two children run');
      await sleep(5);
    }
    // WHEN
    await session.sfn.send(new StopExecutionCommand({ executionArn }));
    // THEN
    const events = mapEvents(await session.history(executionArn!));
    assert.deepEqual(
      events.map(([type]) => type),
      ['MapStateEntered', 'MapRunStarted', 'MapRunAborted', 'ExecutionAborted'],
    );
    const run = await session.sfn.send(new DescribeMapRunCommand({ mapRunArn }));
    assert.deepEqual(
      [run.status, run.executionCounts?.aborted, run.executionCounts?.pending, run.executionCounts?.running],
      ['ABORTED', 2, 3, 0],
    );
  });
});
