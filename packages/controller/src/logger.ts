import { type LevelWithSilent, type Logger, pino } from 'pino';

/** Environment variable naming the controller's log level (`trace` … `fatal`, or `silent`). */
export const LOG_LEVEL_ENV = 'STEPFLEET_LOG_LEVEL';

const LEVELS: readonly LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * The level of the controller's default logger: `STEPFLEET_LOG_LEVEL` when set, else `info`,
 * except under `node --test` (which sets `NODE_TEST_CONTEXT` in each test process), where it is
 * `warn` so that a test's output is its report and not every scaling decision.
 * An unknown level is an error that names the variable, not a silent fallback.
 */
export function defaultLogLevel(env: NodeJS.ProcessEnv = process.env): LevelWithSilent {
  const raw = env[LOG_LEVEL_ENV];
  if (raw === undefined || raw === '') return env.NODE_TEST_CONTEXT ? 'warn' : 'info';
  const level = raw.toLowerCase() as LevelWithSilent;
  if (!LEVELS.includes(level)) {
    throw new RangeError(`${LOG_LEVEL_ENV} must be one of ${LEVELS.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return level;
}

/** The controller's default logger: pino, JSON lines on stdout, at {@link defaultLogLevel}. */
export function createDefaultLogger(env: NodeJS.ProcessEnv = process.env): Logger {
  return pino({ name: 'stepfleet-controller', level: defaultLogLevel(env) });
}
