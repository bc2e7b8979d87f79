import { parseArgs } from 'node:util';
import {
  createWorker,
  envVars,
  readHealthFile,
  type WorkerOptions,
  workerOptionsFromEnv,
} from '@stepfleet/worker';
import { type Command, UsageError } from '../command.ts';

const USAGE = `Usage: stepfleet worker <handler> [--activity-arn ARN] [options]
       stepfleet worker --health [--health-file FILE | --health-port N]

Runs an activity worker: polls the activity, runs the handler module in worker threads,
heartbeats, reports, and on SIGTERM/SIGINT drains within the stop budget and exits 0
(a second signal forces). Options override the environment variables below.

Options:
  --activity-arn ARN     activity to poll (STEPFLEET_ACTIVITY_ARN; several: arn=handler,...)
  --threads N            handler threads (default: the container's CPUs)
  --tasks-per-thread N   tasks at once per thread, for I/O-bound handlers (default 1)
  --pollers N            most open polls per activity (default: the slot count)
  --stop-timeout S       the ECS stopTimeout in seconds (default 30, max 120)
  --output-bucket B      bucket for outputs over 256 KiB (else they fail Output.TooLarge)
  --health-file FILE     write the health status to FILE every second
  --health-port N        serve GET /health on port N
  --health               check a running worker's health (exit 0 healthy, 1 not):
                         reads --health-file / STEPFLEET_HEALTH_FILE, or --health-port

Environment:
${Object.entries(envVars)
  .map(([name, option]) => `  ${name.padEnd(36)} ${option}`)
  .join('\n')}`;

/** `stepfleet worker`: runs a worker process in the foreground until a signal. */
const worker: Command = {
  summary: 'run an activity worker process (handler in threads, heartbeats, graceful stop)',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        'activity-arn': { type: 'string' },
        threads: { type: 'string' },
        'tasks-per-thread': { type: 'string' },
        pollers: { type: 'string' },
        'stop-timeout': { type: 'string' },
        'output-bucket': { type: 'string' },
        'health-file': { type: 'string' },
        'health-port': { type: 'string' },
        health: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
    const healthFile = values['health-file'] ?? process.env.STEPFLEET_HEALTH_FILE;
    const healthPortText = values['health-port'] ?? process.env.STEPFLEET_HEALTH_PORT;
    if (values.health) return checkHealth(healthFile, healthPortText);

    if (positionals.length > 1) throw new UsageError(`one handler module, got ${positionals.length}`);
    const fromEnv = workerOptionsFromEnv();
    const handler = positionals[0] ?? process.env.STEPFLEET_HANDLER;
    const arn = values['activity-arn'];
    const pollers = values.pollers === undefined ? undefined : int('--pollers', values.pollers);
    let activities = fromEnv.activities;
    if (arn !== undefined) {
      if (!handler) throw new UsageError('name the handler module (or set STEPFLEET_HANDLER)');
      activities = [{ activityArn: arn, handler }];
    } else if (activities === undefined) {
      throw new UsageError('no activity: pass --activity-arn or set STEPFLEET_ACTIVITY_ARN');
    } else if (positionals[0]) {
      activities = activities.map((a) => ({ ...a, handler: positionals[0] as string }));
    }
    if (pollers !== undefined) activities = activities.map((a) => ({ ...a, pollers }));
    const options: WorkerOptions = {
      ...fromEnv,
      activities,
      ...(values.threads !== undefined ? { threads: int('--threads', values.threads) } : {}),
      ...(values['tasks-per-thread'] !== undefined
        ? { tasksPerThread: int('--tasks-per-thread', values['tasks-per-thread']) }
        : {}),
      ...(values['stop-timeout'] !== undefined
        ? { stopTimeoutSeconds: int('--stop-timeout', values['stop-timeout']) }
        : {}),
      ...(values['output-bucket'] !== undefined ? { outputBucket: values['output-bucket'] } : {}),
      ...(healthFile !== undefined ? { healthFile } : {}),
      ...(healthPortText !== undefined ? { healthPort: int('--health-port', healthPortText, 0) } : {}),
    };
    let w: ReturnType<typeof createWorker>;
    try {
      w = createWorker(options);
    } catch (error) {
      if (error instanceof RangeError) throw new UsageError(error.message);
      throw error;
    }
    await w.run();
    return 0;
  },
};

export default worker;

async function checkHealth(file: string | undefined, portText: string | undefined): Promise<number> {
  if (file) {
    const result = await readHealthFile(file);
    process.stdout.write(`${result.healthy ? 'healthy' : 'unhealthy'}: ${result.reason}\n`);
    return result.healthy ? 0 : 1;
  }
  if (portText) {
    const port = int('--health-port', portText, 1);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5_000) });
      process.stdout.write(`${await res.text()}\n`);
      return res.ok ? 0 : 1;
    } catch (error) {
      process.stdout.write(`unhealthy: ${(error as Error).message}\n`);
      return 1;
    }
  }
  throw new UsageError('--health needs --health-file / STEPFLEET_HEALTH_FILE or --health-port');
}

function int(name: string, text: string, min = 1): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min)
    throw new UsageError(`${name} must be an integer >= ${min}, got '${text}'`);
  return value;
}
