/**
 * The I/O-bound example's throughput per worker process with 20 ms added to every S3 call (the
 * local backend's fault injection: roughly an in-region S3 GET's first-byte latency), against
 * the workshop's sequential loop in the same run: for each key, GetObject, compute the monthly
 * maxima, PutObject the result, one at a time.
 *
 * The example runs as it does in production: one real `stepfleet worker` process polling the
 * activity, a Distributed Map over an S3 listing of the station files (ItemReader, ItemBatcher,
 * ResultWriter), the batch handler in per-item mode (32 files in flight per batch, 4 batches per
 * thread, 1 thread). The figure is files per second of the whole Map Run, from StartExecution to
 * SUCCEEDED. Medians of 5 runs each, interleaved.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { generateDefinition, STATE_NAMES } from '@stepfleet/job';
import { startLocalBackend } from '@stepfleet/local';
import { planDataset } from '../../examples/weather/src/dataset.ts';
import { writeDataset } from '../../examples/weather/src/dataset-writer.ts';
import { ITEM_CONCURRENCY } from '../../examples/weather/src/handler.ts';
import { WEATHER_HANDLERS, WEATHER_PREFIX, weatherJob } from '../../examples/weather/src/job.ts';
import { scanStationFile } from '../../examples/weather/src/monthly-max.ts';
import { type Bench, type BenchFigure, median } from './types.ts';

const FILES = 1_000;
const BASELINE_FILES = 100;
const FILES_PER_BATCH = 50;
const S3_LATENCY_MS = 20;
const RUNS = 5;
const BUCKET = 'weather-bench';
const RESULTS = 'weather-bench-results';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
/** USER_HZ: the unit of /proc/<pid>/stat times on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

/** The workshop's loop: one file at a time, get, transform, put. Files per second. */
async function sequentialLoop(s3: S3Client, keys: readonly string[]): Promise<number> {
  const started = performance.now();
  for (const key of keys) {
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const result = await scanStationFile(key, [await object.Body!.transformToByteArray()]);
    await s3.send(
      new PutObjectCommand({ Bucket: RESULTS, Key: `sequential/${key}.json`, Body: JSON.stringify(result) }),
    );
  }
  return keys.length / ((performance.now() - started) / 1000);
}

/** CPU seconds a process has used (user + system), from /proc (Linux), or null elsewhere. */
async function processCpuSeconds(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * The generated definition's ProcessItems state (ItemReader, ItemBatcher, Retry, ResultWriter),
 * alone in a state machine: no fleet scaling, the one worker process is already running.
 */
function mapDefinition(activityArn: string): string {
  const job = weatherJob({
    bucket: BUCKET,
    filesPerBatch: FILES_PER_BATCH,
    maxWorkers: 1,
    threads: 1,
    tasksPerThread: 4,
  });
  const resources = {
    activityArn,
    aggregateActivityArn: activityArn,
    cluster: 'unused',
    service: 'unused',
    resultsBucket: RESULTS,
  };
  const {
    Next: _,
    Catch: __,
    ...map
  } = generateDefinition(job, resources).States[STATE_NAMES.map] as unknown as Record<string, unknown>;
  return JSON.stringify({ StartAt: STATE_NAMES.map, States: { [STATE_NAMES.map]: { ...map, End: true } } });
}

const bench: Bench = async () => {
  const backend = await startLocalBackend({ port: 0, activityPollSeconds: 1 });
  const config = { endpoint: backend.url, region: 'us-east-1', credentials };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const sfn = new SFNClient(config);
  let worker: ChildProcess | undefined;
  try {
    for (const Bucket of [BUCKET, RESULTS]) await s3.send(new CreateBucketCommand({ Bucket }));
    const dataset = { stations: FILES, seed: 'bench', prefix: WEATHER_PREFIX };
    await writeDataset({ client: s3, bucket: BUCKET, concurrency: 32, ...dataset });
    const keys = planDataset(dataset).objects.map((o) => o.key);
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'weather-bench' }));
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'weather-bench',
        definition: mapDefinition(activityArn!),
        roleArn: 'arn:aws:iam::000000000000:role/bench',
      }),
    );
    worker = spawn(process.execPath, [`${ROOT}packages/cli/bin/stepfleet.js`, 'worker'], {
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: backend.url,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        STEPFLEET_ACTIVITY_ARN: `${activityArn}=${ROOT}${WEATHER_HANDLERS.source.batch}`,
        STEPFLEET_THREADS: '1',
        STEPFLEET_TASKS_PER_THREAD: '4',
        STEPFLEET_LOG_LEVEL: 'warn',
        STEPFLEET_METRICS: 'off',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const runJob = async (): Promise<number> => {
      const started = performance.now();
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{}' }));
      for (;;) {
        const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (d.status === 'SUCCEEDED') break;
        if (d.status !== 'RUNNING')
          throw new Error(`the bench execution ended ${d.status}: ${d.error} ${d.cause}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return FILES / ((performance.now() - started) / 1000);
    };
    // A warm-up run without latency: the worker's thread loads the handler and the S3 client.
    await runJob();
    backend.faults.set([{ service: 's3', latencyMs: S3_LATENCY_MS }]);
    const parallel: number[] = [];
    const sequential: number[] = [];
    const cpuMsPerFile: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const cpuBefore = await processCpuSeconds(worker.pid!);
      parallel.push(await runJob());
      const cpuAfter = await processCpuSeconds(worker.pid!);
      if (cpuBefore !== null && cpuAfter !== null) cpuMsPerFile.push(((cpuAfter - cpuBefore) * 1000) / FILES);
      sequential.push(await sequentialLoop(s3, keys.slice(run * BASELINE_FILES, (run + 1) * BASELINE_FILES)));
    }
    const value = median(parallel);
    const baseline = median(sequential);
    const figures: BenchFigure[] = [
      {
        id: 'weather.files-per-worker-process',
        what: `I/O-bound example: station files/s of a ${FILES}-file Distributed Map run on one worker process (1 thread × 4 batches × ${ITEM_CONCURRENCY} files in flight) with ${S3_LATENCY_MS} ms added per S3 call, vs the sequential get-transform-put loop`,
        value,
        unit: 'files/s',
        baseline,
        ratio: value / baseline,
        goal: 'ratio >= 20',
        met: value / baseline >= 20,
      },
    ];
    if (cpuMsPerFile.length === RUNS) {
      const cpuMs = median(cpuMsPerFile);
      figures.push({
        id: 'weather.worker-cpu-ms-per-file',
        what: `CPU time of the worker process per station file (~36 KB: GetObject through the SDK, scan, report), from /proc; its inverse is the files/s one vCPU can serve when S3 latency is hidden by concurrency`,
        value: cpuMs,
        unit: 'ms',
        baseline: null,
        ratio: null,
        goal: '<= 2 ms (>= 500 files/s per vCPU)',
        met: cpuMs <= 2,
      });
    }
    return figures;
  } finally {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    }
    s3.destroy();
    sfn.destroy();
    await backend.close();
  }
};

export default bench;
