/**
 * Distributed Map: every ItemReader input type, ItemSelector, ItemBatcher by count and by
 * bytes, tolerated failure just under and just over the threshold, ResultWriter files and
 * manifest, and the Map Run API (DescribeMapRun, ListMapRuns, ListExecutions by Map Run).
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { ConformanceCase } from '../case.ts';
import type { EngineHarness, RunResult } from '../harness.ts';

const PASS_PROCESSOR = {
  ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
  StartAt: 'P',
  States: { P: { Type: 'Pass', End: true } },
};

const distributedMap = (fields: Record<string, unknown>, processor: unknown = PASS_PROCESSOR): unknown => ({
  StartAt: 'Map',
  States: { Map: { Type: 'Map', ItemProcessor: processor, End: true, ...fields } },
});

const csvReader = (
  bucket: string,
  key: string,
  config: Record<string, unknown> = {},
): Record<string, unknown> => ({
  Resource: 'arn:aws:states:::s3:getObject',
  ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW', ...config },
  Parameters: { Bucket: bucket, Key: key },
});

async function put(
  h: EngineHarness,
  bucket: string,
  objects: Record<string, string | Buffer>,
): Promise<void> {
  await h.s3.createBucket(bucket).catch(() => undefined);
  for (const [key, body] of Object.entries(objects)) await h.s3.putObject(bucket, key, body);
}

async function readJson(h: EngineHarness, bucket: string, key: string): Promise<unknown> {
  const got = await h.s3.getObject(bucket, key);
  const chunks: Buffer[] = [];
  for await (const c of got.body) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** The only Map Run of an execution, as DescribeMapRun reports it. */
/** What the cases read from DescribeMapRun. */
interface MapRunView {
  readonly status: string;
  readonly toleratedFailurePercentage: number;
  readonly itemCounts: Record<string, number>;
  readonly executionCounts: Record<string, number>;
}

/** A ResultWriter manifest. */
interface Manifest {
  readonly DestinationBucket: string;
  readonly MapRunArn: string;
  readonly ResultFiles: Record<'FAILED' | 'PENDING' | 'SUCCEEDED', { Key: string; Size: number }[]>;
}

async function mapRunOf(h: EngineHarness, r: RunResult): Promise<MapRunView> {
  const { mapRuns } = await h.call<{ mapRuns: { mapRunArn: string }[] }>('ListMapRuns', {
    executionArn: r.executionArn,
  });
  assert.equal(mapRuns.length, 1);
  return h.call('DescribeMapRun', { mapRunArn: mapRuns[0]!.mapRunArn });
}

/** A processor that fails the items whose `fail` is "true" (CSV values are strings). */
const FAILING_PROCESSOR = {
  ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
  StartAt: 'Check',
  States: {
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.fail', StringEquals: 'true', Next: 'Boom' }],
      Default: 'Ok',
    },
    Boom: { Type: 'Fail', Error: 'Item.Failed', Cause: 'this item fails' },
    Ok: { Type: 'Pass', End: true },
  },
};

const failingCsv = (failures: number): string =>
  `id,fail\n${Array.from({ length: 10 }, (_, i) => `${i},${i < failures ? 'true' : 'false'}`).join('\n')}\n`;

export const distributedMapCases: ConformanceCase[] = [
  {
    name: 'ItemReader s3:listObjectsV2: one item per object, shaped as AWS documents',
    setup: (h) => put(h, 'dm-list', { 'data/a.txt': 'aaa', 'data/b.txt': 'bb', 'other/c.txt': 'c' }),
    definition: distributedMap({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:listObjectsV2',
        Parameters: { Bucket: 'dm-list', Prefix: 'data/' },
      },
    }),
    check: (r) => {
      assert.equal(r.status, 'SUCCEEDED', r.cause);
      const items = r.output as {
        Key: string;
        Size: number;
        Etag: string;
        LastModified: number;
        StorageClass: string;
      }[];
      assert.deepEqual(
        items.map((i) => [i.Key, i.Size, i.StorageClass]),
        [
          ['data/a.txt', 3, 'STANDARD'],
          ['data/b.txt', 2, 'STANDARD'],
        ],
      );
      assert.match(items[0]!.Etag, /^"[0-9a-f]{32}"$/);
      assert.ok(Number.isInteger(items[0]!.LastModified) && items[0]!.LastModified > 1_600_000_000);
    },
  },
  {
    name: 'ItemReader CSV with FIRST_ROW headers: values stay strings',
    setup: (h) => put(h, 'dm-csv', { 'in.csv': 'name,age,city\nann,30,"Paris, FR"\nbob,25,Oslo\n' }),
    definition: distributedMap({ ItemReader: csvReader('dm-csv', 'in.csv') }),
    output: [
      { name: 'ann', age: '30', city: 'Paris, FR' },
      { name: 'bob', age: '25', city: 'Oslo' },
    ],
  },
  {
    name: 'ItemReader CSV with GIVEN headers and a PIPE delimiter',
    setup: (h) => put(h, 'dm-csv-given', { 'in.csv': 'ann|30\nbob|25\n' }),
    definition: distributedMap({
      ItemReader: csvReader('dm-csv-given', 'in.csv', {
        CSVHeaderLocation: 'GIVEN',
        CSVHeaders: ['name', 'age'],
        CSVDelimiter: 'PIPE',
      }),
    }),
    output: [
      { name: 'ann', age: '30' },
      { name: 'bob', age: '25' },
    ],
  },
  {
    name: 'ItemReader CSV with MaxItems stops after that many rows',
    setup: (h) => put(h, 'dm-csv-max', { 'in.csv': 'n\n1\n2\n3\n4\n5\n' }),
    definition: distributedMap({ ItemReader: csvReader('dm-csv-max', 'in.csv', { MaxItems: 2 }) }),
    output: [{ n: '1' }, { n: '2' }],
  },
  {
    name: 'ItemReader CSV that does not parse fails with States.ItemReaderFailed',
    setup: (h) => put(h, 'dm-csv-bad', { 'in.csv': 'a,b\n"unclosed,1\n' }),
    definition: distributedMap({ ItemReader: csvReader('dm-csv-bad', 'in.csv') }),
    error: 'States.ItemReaderFailed',
  },
  {
    name: 'ItemReader JSON: the elements of the top-level array',
    setup: (h) =>
      put(h, 'dm-json', {
        'in.json': JSON.stringify([{ a: 1 }, [2, ']'], 'x,y', null, { nested: { b: '[{' } }]),
      }),
    definition: distributedMap({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { Bucket: 'dm-json', Key: 'in.json' },
      },
    }),
    output: [{ a: 1 }, [2, ']'], 'x,y', null, { nested: { b: '[{' } }],
  },
  {
    name: 'ItemReader JSONL: one item per line, MaxItems cuts the list',
    setup: (h) => put(h, 'dm-jsonl', { 'in.jsonl': '{"n":1}\n{"n":2}\n\n{"n":3}\n{"n":4}\n' }),
    definition: distributedMap({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSONL', MaxItems: 3 },
        Parameters: { Bucket: 'dm-jsonl', Key: 'in.jsonl' },
      },
    }),
    output: [{ n: 1 }, { n: 2 }, { n: 3 }],
  },
  {
    name: 'ItemReader MANIFEST: the rows of an S3 Inventory report (gzipped CSV files)',
    setup: (h) =>
      put(h, 'dm-inventory', {
        'inv/manifest.json': JSON.stringify({
          sourceBucket: 'source',
          destinationBucket: 'arn:aws:s3:::dm-inventory',
          version: '2016-11-30',
          fileFormat: 'CSV',
          fileSchema: 'Bucket, Key, Size',
          files: [
            { key: 'inv/data/1.csv.gz', size: 1, MD5checksum: 'x' },
            { key: 'inv/data/2.csv.gz', size: 1, MD5checksum: 'x' },
          ],
        }),
        'inv/data/1.csv.gz': gzipSync('"source","a.txt","10"\n"source","b.txt","20"\n'),
        'inv/data/2.csv.gz': gzipSync('"source","c.txt","30"\n'),
      }),
    definition: distributedMap({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'MANIFEST' },
        Parameters: { Bucket: 'dm-inventory', Key: 'inv/manifest.json' },
      },
    }),
    output: [
      { Bucket: 'source', Key: 'a.txt', Size: '10' },
      { Bucket: 'source', Key: 'b.txt', Size: '20' },
      { Bucket: 'source', Key: 'c.txt', Size: '30' },
    ],
  },
  {
    name: 'ItemReader on a missing object fails with States.ItemReaderFailed',
    setup: (h) => put(h, 'dm-missing', {}),
    definition: distributedMap({ ItemReader: csvReader('dm-missing', 'nope.csv') }),
    error: 'States.ItemReaderFailed',
  },
  {
    name: 'ItemReader JSON on an object that is not an array fails with States.ItemReaderFailed',
    setup: (h) => put(h, 'dm-not-array', { 'in.json': '{"items": [1, 2]}' }),
    definition: distributedMap({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { Bucket: 'dm-not-array', Key: 'in.json' },
      },
    }),
    error: 'States.ItemReaderFailed',
    cause: /not hold a JSON array/,
  },
  {
    name: 'ItemReader MANIFEST with a corrupt gzip data file fails with States.ItemReaderFailed',
    setup: (h) =>
      put(h, 'dm-bad-gzip', {
        'manifest.json': JSON.stringify({
          destinationBucket: 'arn:aws:s3:::dm-bad-gzip',
          fileFormat: 'CSV',
          fileSchema: 'Bucket, Key',
          files: [{ key: 'data/1.csv.gz' }],
        }),
        'data/1.csv.gz': Buffer.from('this is not gzip'),
      }),
    definition: distributedMap({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'MANIFEST' },
        Parameters: { Bucket: 'dm-bad-gzip', Key: 'manifest.json' },
      },
    }),
    error: 'States.ItemReaderFailed',
  },
  {
    name: 'Distributed Map over the input array with ItemSelector ($, $$.Map.Item) and ItemsPath',
    definition: distributedMap({
      ItemsPath: '$.rows',
      ItemSelector: { 'i.$': '$$.Map.Item.Index', 'v.$': '$$.Map.Item.Value', 'run.$': '$.run' },
    }),
    input: { run: 'r1', rows: ['a', 'b'] },
    output: [
      { i: 0, v: 'a', run: 'r1' },
      { i: 1, v: 'b', run: 'r1' },
    ],
  },
  {
    name: 'ItemBatcher by count: {"Items": [...], "BatchInput": {...}} per child',
    setup: (h) => put(h, 'dm-batch', { 'in.json': JSON.stringify(Array.from({ length: 10 }, (_, i) => i)) }),
    definition: distributedMap({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { Bucket: 'dm-batch', Key: 'in.json' },
      },
      ItemBatcher: { MaxItemsPerBatch: 4, BatchInput: { 'job.$': '$.job' } },
    }),
    input: { job: 'j' },
    check: async (r, h) => {
      assert.deepEqual(r.output, [
        { Items: [0, 1, 2, 3], BatchInput: { job: 'j' } },
        { Items: [4, 5, 6, 7], BatchInput: { job: 'j' } },
        { Items: [8, 9], BatchInput: { job: 'j' } },
      ]);
      const run = await mapRunOf(h, r);
      assert.equal(run.status, 'SUCCEEDED');
      assert.deepEqual(
        [
          run.itemCounts.total,
          run.itemCounts.succeeded,
          run.executionCounts.total,
          run.executionCounts.succeeded,
        ],
        [10, 10, 3, 3],
      );
    },
  },
  {
    name: 'ItemBatcher by bytes: no batch over MaxInputBytesPerBatch, every item once, in order',
    setup: (h) =>
      put(h, 'dm-bytes', {
        'in.jsonl': Array.from({ length: 50 }, (_, i) =>
          JSON.stringify({ id: i, pad: 'x'.repeat(i % 7) }),
        ).join('\n'),
      }),
    definition: distributedMap({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSONL' },
        Parameters: { Bucket: 'dm-bytes', Key: 'in.jsonl' },
      },
      ItemBatcher: { MaxInputBytesPerBatch: 200 },
    }),
    check: (r) => {
      const batches = r.output as { Items: { id: number }[] }[];
      assert.ok(batches.length > 5);
      for (const b of batches)
        assert.ok(
          Buffer.byteLength(JSON.stringify(b)) <= 200,
          `batch of ${Buffer.byteLength(JSON.stringify(b))} bytes`,
        );
      assert.deepEqual(
        batches.flatMap((b) => b.Items.map((i) => i.id)),
        Array.from({ length: 50 }, (_, i) => i),
      );
    },
  },
  {
    name: 'Without tolerated failure one failed child fails the Map Run',
    setup: (h) => put(h, 'dm-fail-0', { 'in.csv': failingCsv(1) }),
    definition: distributedMap({ ItemReader: csvReader('dm-fail-0', 'in.csv') }, FAILING_PROCESSOR),
    error: 'States.ExceedToleratedFailureThreshold',
  },
  {
    name: 'ToleratedFailurePercentage 20 with 2 of 10 failing: just under, the Map Run succeeds',
    setup: (h) => put(h, 'dm-pct-under', { 'in.csv': failingCsv(2) }),
    definition: distributedMap(
      {
        ItemReader: csvReader('dm-pct-under', 'in.csv'),
        ToleratedFailurePercentage: 20,
        ResultSelector: { 'n.$': 'States.ArrayLength($)' },
      },
      FAILING_PROCESSOR,
    ),
    check: async (r, h) => {
      assert.equal(r.status, 'SUCCEEDED', r.cause);
      const run = await mapRunOf(h, r);
      assert.deepEqual(
        [run.itemCounts.succeeded, run.itemCounts.failed, run.toleratedFailurePercentage],
        [8, 2, 20],
      );
    },
  },
  {
    name: 'ToleratedFailurePercentage 20 with 3 of 10 failing: just over, States.ExceedToleratedFailureThreshold',
    setup: (h) => put(h, 'dm-pct-over', { 'in.csv': failingCsv(3) }),
    definition: distributedMap(
      { ItemReader: csvReader('dm-pct-over', 'in.csv'), ToleratedFailurePercentage: 20 },
      FAILING_PROCESSOR,
    ),
    error: 'States.ExceedToleratedFailureThreshold',
  },
  {
    name: 'ToleratedFailureCount 2 with 2 failing: just under, succeeds',
    setup: (h) => put(h, 'dm-count-under', { 'in.csv': failingCsv(2) }),
    definition: distributedMap(
      {
        ItemReader: csvReader('dm-count-under', 'in.csv'),
        ToleratedFailureCount: 2,
        ResultSelector: { 'n.$': 'States.ArrayLength($)' },
      },
      FAILING_PROCESSOR,
    ),
    output: { n: 10 },
  },
  {
    name: 'ToleratedFailureCountPath 2 with 3 failing: just over, fails',
    setup: (h) => put(h, 'dm-count-over', { 'in.csv': failingCsv(3) }),
    definition: distributedMap(
      { ItemReader: csvReader('dm-count-over', 'in.csv'), ToleratedFailureCountPath: '$.tolerate' },
      FAILING_PROCESSOR,
    ),
    input: { tolerate: 2 },
    error: 'States.ExceedToleratedFailureThreshold',
  },
  {
    name: 'ResultWriter: manifest.json and SUCCEEDED_0.json / FAILED_0.json in the AWS layout and shape',
    setup: (h) => put(h, 'dm-results', { 'in.csv': failingCsv(1) }),
    definition: distributedMap(
      {
        ItemReader: csvReader('dm-results', 'in.csv'),
        ItemBatcher: { MaxItemsPerBatch: 5 },
        ToleratedFailureCount: 5,
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'dm-results', Prefix: 'out' },
        },
      },
      {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'Check',
        States: {
          Check: {
            Type: 'Choice',
            Choices: [{ Variable: '$.Items[0].fail', StringEquals: 'true', Next: 'Boom' }],
            Default: 'Ok',
          },
          Boom: { Type: 'Fail', Error: 'Batch.Failed', Cause: 'first item fails' },
          Ok: { Type: 'Pass', Parameters: { 'n.$': 'States.ArrayLength($.Items)' }, End: true },
        },
      },
    ),
    check: async (r, h) => {
      assert.equal(r.status, 'SUCCEEDED', r.cause);
      const out = r.output as { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } };
      const mapRunId = out.MapRunArn.split(':').at(-1)!;
      assert.deepEqual(out.ResultWriterDetails, {
        Bucket: 'dm-results',
        Key: `out/${mapRunId}/manifest.json`,
      });
      const manifest = (await readJson(h, 'dm-results', out.ResultWriterDetails.Key)) as Manifest;
      assert.equal(manifest.DestinationBucket, 'dm-results');
      assert.equal(manifest.MapRunArn, out.MapRunArn);
      assert.deepEqual(manifest.ResultFiles.PENDING, []);
      assert.equal(manifest.ResultFiles.SUCCEEDED[0]!.Key, `out/${mapRunId}/SUCCEEDED_0.json`);
      assert.equal(manifest.ResultFiles.FAILED[0]!.Key, `out/${mapRunId}/FAILED_0.json`);
      const succeeded = (await readJson(h, 'dm-results', manifest.ResultFiles.SUCCEEDED[0]!.Key)) as Record<
        string,
        string
      >[];
      const failed = (await readJson(h, 'dm-results', manifest.ResultFiles.FAILED[0]!.Key)) as Record<
        string,
        string
      >[];
      assert.equal(succeeded.length, 1);
      assert.equal(failed.length, 1);
      assert.deepEqual(Object.keys(succeeded[0]!), [
        'ExecutionArn',
        'Input',
        'InputDetails',
        'Name',
        'Output',
        'OutputDetails',
        'RedriveCount',
        'RedriveStatus',
        'StartDate',
        'StateMachineArn',
        'Status',
        'StopDate',
      ]);
      assert.deepEqual(JSON.parse(succeeded[0]!.Output!), { n: 5 });
      assert.equal(JSON.parse(succeeded[0]!.Input!).Items[0].id, '5');
      assert.equal(failed[0]!.Status, 'FAILED');
      assert.equal(failed[0]!.Error, 'Batch.Failed');
      assert.equal(failed[0]!.Cause, 'first item fails');
      assert.match(
        failed[0]!.ExecutionArn!,
        /^arn:aws:states:us-east-1:\d{12}:execution:sm-[^/:]+\/Map:[0-9a-f-]{36}$/,
      );
      const run = await mapRunOf(h, r);
      assert.deepEqual([run.itemCounts.resultsWritten, run.executionCounts.resultsWritten], [10, 2]);
      const processor = await h.call<{ label: string; definition: string }>('DescribeStateMachine', {
        stateMachineArn: failed[0]!.StateMachineArn,
      });
      assert.equal(processor.label, 'Map');
      assert.equal(JSON.parse(processor.definition).States.Boom.Error, 'Batch.Failed');
      const { executions } = await h.call<{ executions: { mapRunArn: string; status: string }[] }>(
        'ListExecutions',
        { mapRunArn: out.MapRunArn },
      );
      assert.deepEqual(executions.map((e) => e.status).sort(), ['FAILED', 'SUCCEEDED']);
      assert.ok(executions.every((e) => e.mapRunArn === out.MapRunArn));
    },
  },
  {
    name: 'JSONata Distributed Map: ItemReader Arguments, ItemSelector, ItemBatcher BatchInput',
    setup: (h) => put(h, 'dm-jsonata', { 'in.jsonl': '{"v":1}\n{"v":2}\n{"v":3}\n' }),
    definition: {
      QueryLanguage: 'JSONata',
      StartAt: 'Map',
      States: {
        Map: {
          Type: 'Map',
          ItemReader: {
            Resource: 'arn:aws:states:::s3:getObject',
            ReaderConfig: { InputType: 'JSONL' },
            Arguments: { Bucket: '{% $states.input.bucket %}', Key: 'in.jsonl' },
          },
          ItemSelector: { double: '{% $states.context.Map.Item.Value.v * 2 %}' },
          ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { tag: '{% $states.input.tag %}' } },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
            StartAt: 'P',
            States: {
              P: {
                Type: 'Pass',
                Output: '{% $sum($states.input.Items.double) & $states.input.BatchInput.tag %}',
                End: true,
              },
            },
          },
          End: true,
        },
      },
    },
    input: { bucket: 'dm-jsonata', tag: '!' },
    output: ['6!', '6!'],
  },
];
