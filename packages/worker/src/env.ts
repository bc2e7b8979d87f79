import type { WorkerOptions } from './options.ts';

/**
 * The environment variables a container sets instead of code, each mapped to one option
 * (see the README's table). Unset variables leave the option to its default.
 */
export const envVars = {
  STEPFLEET_ACTIVITY_ARN: 'activityArn',
  STEPFLEET_HANDLER: 'handler',
  STEPFLEET_THREADS: 'threads',
  STEPFLEET_TASKS_PER_THREAD: 'tasksPerThread',
  STEPFLEET_POLLERS: 'pollers (of each activity)',
  STEPFLEET_WORKER_NAME: 'workerName',
  STEPFLEET_HEARTBEAT_SECONDS: 'heartbeatSeconds',
  STEPFLEET_HEARTBEAT_MAX_PER_SECOND: 'heartbeatMaxPerSecond',
  STEPFLEET_HANDLER_TIMEOUT_MS: 'handlerTimeoutMs',
  STEPFLEET_STOP_TIMEOUT_SECONDS: 'stopTimeoutSeconds',
  STEPFLEET_OUTPUT_BUCKET: 'outputBucket',
  STEPFLEET_OUTPUT_PREFIX: 'outputPrefix',
  STEPFLEET_DATA_BUCKET: 'dataBucket',
  STEPFLEET_MAX_OLD_GENERATION_MB: 'resourceLimits.maxOldGenerationSizeMb',
  STEPFLEET_PROTECTION_IDLE_RELEASE_MS: 'protectionIdleReleaseMs',
  STEPFLEET_PROTECTION_EXPIRES_IN_MINUTES: 'protectionExpiresInMinutes',
  STEPFLEET_HEALTH_PORT: 'healthPort',
  STEPFLEET_HEALTH_FILE: 'healthFile',
  STEPFLEET_METRICS: 'emfMetrics (`off` turns EMF lines off)',
  STEPFLEET_LOG_LEVEL: 'logLevel',
  STEPFLEET_TIME_SCALE: 'timeScale',
  STEPFLEET_SFN_TRANSPORT: 'sfnTransport (`direct` or `sdk`)',
  AWS_ENDPOINT_URL: 'endpoint',
  AWS_REGION: 'region',
} as const;

/**
 * Reads {@link WorkerOptions} from `STEPFLEET_*` variables (and `AWS_ENDPOINT_URL`,
 * `AWS_REGION`). A malformed number throws a RangeError naming the variable.
 * `STEPFLEET_ACTIVITY_ARN` may list several `arn=handler` pairs separated by commas.
 */
export function workerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerOptions {
  const num = (name: keyof typeof envVars): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new RangeError(`${name} must be a number, got ${JSON.stringify(raw)}`);
    return value;
  };
  const str = (name: keyof typeof envVars): string | undefined => (env[name] === '' ? undefined : env[name]);
  const pollers = num('STEPFLEET_POLLERS');
  const arns = str('STEPFLEET_ACTIVITY_ARN');
  const handler = str('STEPFLEET_HANDLER');
  let activities: WorkerOptions['activities'];
  if (arns !== undefined) {
    activities = arns.split(',').map((entry) => {
      const eq = entry.indexOf('=');
      const activityArn = (eq > 0 ? entry.slice(0, eq) : entry).trim();
      const h = eq > 0 ? entry.slice(eq + 1).trim() : handler;
      if (!h) throw new RangeError(`no handler for ${activityArn}: set STEPFLEET_HANDLER or use arn=handler`);
      return { activityArn, handler: h, ...(pollers ? { pollers } : {}) };
    });
  }
  const maxOld = num('STEPFLEET_MAX_OLD_GENERATION_MB');
  const healthPort = num('STEPFLEET_HEALTH_PORT');
  const metrics = str('STEPFLEET_METRICS');
  const transport = str('STEPFLEET_SFN_TRANSPORT');
  if (transport !== undefined && transport !== 'direct' && transport !== 'sdk')
    throw new RangeError(`STEPFLEET_SFN_TRANSPORT must be direct or sdk, got ${JSON.stringify(transport)}`);
  const options: WorkerOptions = {
    activities,
    threads: num('STEPFLEET_THREADS'),
    tasksPerThread: num('STEPFLEET_TASKS_PER_THREAD'),
    workerName: str('STEPFLEET_WORKER_NAME'),
    heartbeatSeconds: num('STEPFLEET_HEARTBEAT_SECONDS'),
    heartbeatMaxPerSecond: num('STEPFLEET_HEARTBEAT_MAX_PER_SECOND'),
    handlerTimeoutMs: num('STEPFLEET_HANDLER_TIMEOUT_MS'),
    stopTimeoutSeconds: num('STEPFLEET_STOP_TIMEOUT_SECONDS'),
    outputBucket: str('STEPFLEET_OUTPUT_BUCKET'),
    outputPrefix: str('STEPFLEET_OUTPUT_PREFIX'),
    dataBucket: str('STEPFLEET_DATA_BUCKET'),
    resourceLimits: maxOld === undefined ? undefined : { maxOldGenerationSizeMb: maxOld },
    protectionIdleReleaseMs: num('STEPFLEET_PROTECTION_IDLE_RELEASE_MS'),
    protectionExpiresInMinutes: num('STEPFLEET_PROTECTION_EXPIRES_IN_MINUTES'),
    healthPort,
    healthFile: str('STEPFLEET_HEALTH_FILE'),
    emfMetrics:
      metrics === undefined ? undefined : !['off', 'false', '0', 'no'].includes(metrics.toLowerCase()),
    logLevel: str('STEPFLEET_LOG_LEVEL'),
    timeScale: num('STEPFLEET_TIME_SCALE'),
    sfnTransport: transport,
    endpoint: str('AWS_ENDPOINT_URL'),
    region: str('AWS_REGION'),
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as WorkerOptions;
}
