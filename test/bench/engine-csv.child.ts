/**
 * Child process of engine.bench.ts (its own process, so its peak RSS is the engine's alone):
 * puts a CSV object of ROWS rows into the local S3, measures a plain streaming parse of it
 * (the baseline), then runs a Distributed Map over it (CSV ItemReader, batches of 1,000, a
 * Pass processor) and prints `{ baselineItemsPerSecond, itemsPerSecond, peakRssBytes }`.
 */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { startLocalBackend } from '@stepfleet/local';
import { parse } from 'csv-parse';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const backend = await startLocalBackend({ port: 0 });
const sfn = new SFNClient({
  endpoint: backend.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});
try {
  await backend.s3.createBucket('bench-input');
  const rows = function* (): Generator<string> {
    yield 'id,name,region,amount\n';
    for (let i = 0; i < ROWS; i += 1000) {
      let chunk = '';
      for (let j = i; j < Math.min(ROWS, i + 1000); j++)
        chunk += `${j},item-${j},eu-${j % 7},${(j * 7919) % 100000}\n`;
      yield chunk;
    }
  };
  await backend.s3.putObject('bench-input', 'rows.csv', Readable.from(rows()));

  // Baseline: the same object streamed through csv-parse, nothing else.
  let t = performance.now();
  let parsed = 0;
  const got = await backend.s3.getObject('bench-input', 'rows.csv');
  for await (const _ of got.body.pipe(parse({ columns: true }))) parsed++;
  const baselineItemsPerSecond = parsed / ((performance.now() - t) / 1000);

  const definition = {
    StartAt: 'Map',
    States: {
      Map: {
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
          Parameters: { Bucket: 'bench-input', Key: 'rows.csv' },
        },
        ItemBatcher: { MaxItemsPerBatch: 1000 },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'P',
          States: { P: { Type: 'Pass', Parameters: { 'n.$': 'States.ArrayLength($.Items)' }, End: true } },
        },
        ResultSelector: { 'batches.$': 'States.ArrayLength($)' },
        End: true,
      },
    },
  };
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({
      name: 'bench',
      definition: JSON.stringify(definition),
      roleArn: 'arn:aws:iam::123456789012:role/bench',
    }),
  );
  let peakRssBytes = process.memoryUsage.rss();
  t = performance.now();
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn }));
  let status = 'RUNNING';
  let output = '';
  while (status === 'RUNNING') {
    await sleep(20);
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    status = d.status!;
    output = d.output ?? d.cause ?? '';
  }
  const seconds = (performance.now() - t) / 1000;
  if (status !== 'SUCCEEDED' || JSON.parse(output).batches !== Math.ceil(ROWS / 1000))
    throw new Error(`run ended ${status}: ${output}`);
  peakRssBytes = Math.max(peakRssBytes, process.resourceUsage().maxRSS * 1024);
  process.stdout.write(
    `${JSON.stringify({ baselineItemsPerSecond, itemsPerSecond: ROWS / seconds, peakRssBytes })}\n`,
  );
} finally {
  sfn.destroy();
  await backend.close();
}
