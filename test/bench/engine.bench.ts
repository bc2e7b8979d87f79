/**
 * The local Step Functions engine:
 * - a Distributed Map over a 1,000,000-row CSV object (CSV ItemReader, batches of 1,000, a Pass
 *   processor), run in a child process: items/s against a plain csv-parse of the same object,
 *   and the process's peak RSS;
 * - the engine's overhead per activity batch (a child execution from scheduling to completion,
 *   the worker answering at once), median and p99, against the same worker round trip on the
 *   activity store without the engine.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetActivityTaskCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { startLocalBackend } from '@stepfleet/local';
import { type Bench, type BenchFigure, median, quantile } from './types.ts';

const ROWS = 1_000_000;
const BATCHES = 300;

interface CsvRun {
  readonly baselineItemsPerSecond: number;
  readonly itemsPerSecond: number;
  readonly peakRssBytes: number;
}

function runCsvChild(): Promise<CsvRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'engine-csv.child.ts')], {
      env: { ...process.env, ROWS: String(ROWS) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as CsvRun) : reject(new Error(`engine-csv child exited ${code}`)),
    );
  });
}

async function activityOverhead(): Promise<{ engineMs: number[]; baselineMs: number[] }> {
  const backend = await startLocalBackend({ port: 0 });
  const sfn = new SFNClient({
    endpoint: backend.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  let working = true;
  try {
    const activityArn = (await sfn.send(new CreateActivityCommand({ name: 'bench' }))).activityArn!;
    // One worker that answers every task at once: what remains is the engine's and the wire's time.
    const worker = (async () => {
      while (working) {
        const task = await sfn.send(new GetActivityTaskCommand({ activityArn, workerName: 'bench' }));
        if (task.taskToken)
          await sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{"ok":true}' }));
      }
    })();
    const baselineMs: number[] = [];
    for (let i = 0; i < BATCHES; i++) {
      const t = performance.now();
      await backend.activities.schedule(activityArn, '{"Items":[1]}');
      baselineMs.push(performance.now() - t);
    }
    const definition = {
      StartAt: 'Map',
      States: {
        Map: {
          Type: 'Map',
          MaxConcurrency: 1,
          ItemsPath: '$.items',
          ItemBatcher: { MaxItemsPerBatch: 1 },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Work',
            States: {
              Work: {
                Type: 'Task',
                Resource: activityArn,
                HeartbeatSeconds: 60,
                TimeoutSeconds: 600,
                End: true,
              },
            },
          },
          ResultSelector: { 'n.$': 'States.ArrayLength($)' },
          End: true,
        },
      },
    };
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'overhead',
        definition: JSON.stringify(definition),
        roleArn: 'arn:aws:iam::123456789012:role/bench',
      }),
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn,
        input: JSON.stringify({ items: Array.from({ length: BATCHES }, (_, i) => i) }),
      }),
    );
    for (;;) {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (d.status !== 'RUNNING') {
        if (d.status !== 'SUCCEEDED') throw new Error(`overhead run ended ${d.status}: ${d.cause}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const mapRunArn = (await sfn.send(new ListMapRunsCommand({ executionArn }))).mapRuns![0]!.mapRunArn!;
    const engineMs: number[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new ListExecutionsCommand({ mapRunArn, maxResults: 1000, nextToken }));
      for (const e of page.executions ?? []) engineMs.push(e.stopDate!.getTime() - e.startDate!.getTime());
      nextToken = page.nextToken;
    } while (nextToken);
    working = false;
    await backend.activities.schedule(activityArn, '{}'); // releases the worker's last poll
    await worker;
    return { engineMs, baselineMs };
  } finally {
    working = false;
    sfn.destroy();
    await backend.close();
  }
}

const bench: Bench = async () => {
  const csv = await runCsvChild();
  const { engineMs, baselineMs } = await activityOverhead();
  const rssMiB = csv.peakRssBytes / 2 ** 20;
  const figures: BenchFigure[] = [
    {
      id: 'engine.csv-distributed-map-items-per-second',
      what: `Distributed Map over a ${ROWS.toLocaleString('en')}-row CSV object, batches of 1,000, Pass processor; baseline: csv-parse of the same object alone`,
      value: csv.itemsPerSecond,
      unit: 'items/s',
      baseline: csv.baselineItemsPerSecond,
      ratio: csv.itemsPerSecond / csv.baselineItemsPerSecond,
      goal: '>= 50000 items/s',
      met: csv.itemsPerSecond >= 50_000,
    },
    {
      id: 'engine.csv-distributed-map-peak-rss',
      what: 'peak RSS of the process running that Distributed Map (backend, S3, engine); ratio against the 1 GiB goal',
      value: rssMiB,
      unit: 'MiB',
      baseline: null,
      ratio: rssMiB / 1024,
      goal: '< 1024 MiB',
      met: rssMiB < 1024,
    },
  ];
  for (const [name, q] of [
    ['median', 0.5],
    ['p99', 0.99],
  ] as const) {
    const value = q === 0.5 ? median(engineMs) : quantile(engineMs, q);
    const base = q === 0.5 ? median(baselineMs) : quantile(baselineMs, q);
    figures.push({
      id: `engine.activity-batch-overhead-${name}`,
      what: `${name} time of a Map Run child from scheduling its activity task to its completion (worker answers at once, ${BATCHES} batches, client-sfn over HTTP); baseline: the same round trip on the activity store without the engine`,
      value,
      unit: 'ms',
      baseline: base,
      ratio: value / base,
      // The engine's share: a child execution should cost at most a few times the bare round trip.
      goal: 'ratio <= 3',
      met: value / base <= 3,
    });
  }
  return figures;
};

export default bench;
