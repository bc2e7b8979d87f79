import { type Logger, pino } from 'pino';
import type { FaultRule } from './faults.ts';

/** Options of `startLocalBackend`. Every field is optional; {@link BACKEND_DEFAULTS} fills the rest. */
export interface LocalBackendOptions {
  /**
   * TCP port to listen on; 0 picks a free one (read it back from `backend.port`).
   * @defaultValue 4599
   */
  readonly port?: number;
  /**
   * Interface to listen on. The backend has no authentication: keep it on loopback.
   * @defaultValue '127.0.0.1'
   */
  readonly host?: string;
  /**
   * Directory for S3 objects, ECS task logs and other state. A given directory is kept on
   * close; without one, a fresh temporary directory is made and removed by `close()`.
   * @defaultValue a new temporary directory
   */
  readonly dataDir?: string;
  /**
   * Region used when a request's signature names none (ARNs use the request's region).
   * @defaultValue 'us-east-1'
   */
  readonly region?: string;
  /**
   * Account id in every ARN.
   * @defaultValue '000000000000'
   */
  readonly accountId?: string;
  /**
   * How many times faster than real time simulated durations pass (timeouts, heartbeats,
   * poll windows, Wait states). Use it to test timeouts in seconds.
   * @defaultValue 1
   */
  readonly timeScale?: number;
  /**
   * How long GetActivityTask waits for a task, in simulated seconds (AWS: 60).
   * @defaultValue 60
   */
  readonly activityPollSeconds?: number;
  /**
   * AWS behaviour: a GetActivityTask whose client disconnected stays registered until its
   * window ends and can still be handed a task, which is then lost until its heartbeat or
   * timeout expires. Set false to drop such polls at once (the task goes to the next poll).
   * @defaultValue true
   */
  readonly keepPollsOfClosedConnections?: boolean;
  /**
   * How many closed activity tasks the observation API remembers (the newest ones).
   * @defaultValue 1000
   */
  readonly recentTaskLimit?: number;
  /**
   * Faults injected from the start (latency, throttling, dropped responses); change them
   * later with `backend.faults` or `PUT /_stepfleet/faults`.
   * @defaultValue []
   */
  readonly faults?: readonly FaultRule[];
  /**
   * A pino logger.
   * @defaultValue silent, or at the level named by `STEPFLEET_LOG_LEVEL`, to stderr
   */
  readonly logger?: Logger;
  /**
   * Local Lambda functions the state machine engine may invoke: function name → module path.
   * @defaultValue {}
   */
  readonly functions?: Readonly<Record<string, string>>;
}

/** {@link LocalBackendOptions} with every default applied. */
export interface ResolvedBackendOptions {
  readonly port: number;
  readonly host: string;
  /** `undefined`: make a temporary directory and remove it on close. */
  readonly dataDir: string | undefined;
  readonly region: string;
  readonly accountId: string;
  readonly timeScale: number;
  readonly activityPollSeconds: number;
  readonly keepPollsOfClosedConnections: boolean;
  readonly recentTaskLimit: number;
  readonly faults: readonly FaultRule[];
  readonly logger: Logger;
  readonly functions: Readonly<Record<string, string>>;
}

/** The defaults of {@link LocalBackendOptions} (the logger's default is made on resolve). */
export const BACKEND_DEFAULTS = {
  port: 4599,
  host: '127.0.0.1',
  region: 'us-east-1',
  accountId: '000000000000',
  timeScale: 1,
  activityPollSeconds: 60,
  keepPollsOfClosedConnections: true,
  recentTaskLimit: 1000,
  faults: [],
  functions: {},
} as const satisfies Partial<ResolvedBackendOptions>;

/** Applies defaults and checks every option, naming the bad one. */
export function resolveBackendOptions(options: LocalBackendOptions = {}): ResolvedBackendOptions {
  const resolved: ResolvedBackendOptions = {
    ...BACKEND_DEFAULTS,
    ...withoutUndefined(options),
    dataDir: options.dataDir,
    logger: options.logger ?? defaultLogger(),
  };
  const { port, timeScale, activityPollSeconds, accountId, recentTaskLimit } = resolved;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`port must be 0..65535, got ${port}`);
  if (!(timeScale > 0 && Number.isFinite(timeScale)))
    throw new RangeError(`timeScale must be > 0, got ${timeScale}`);
  if (!(activityPollSeconds > 0 && Number.isFinite(activityPollSeconds))) {
    throw new RangeError(`activityPollSeconds must be > 0, got ${activityPollSeconds}`);
  }
  if (!/^\d{12}$/.test(accountId)) throw new RangeError(`accountId must be 12 digits, got '${accountId}'`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(resolved.region))
    throw new RangeError(`region '${resolved.region}' is not a region`);
  if (!Number.isInteger(recentTaskLimit) || recentTaskLimit < 0) {
    throw new RangeError(`recentTaskLimit must be a non-negative integer, got ${recentTaskLimit}`);
  }
  return resolved;
}

/** Silent unless STEPFLEET_LOG_LEVEL names a level; to stderr, so stdout stays for the program's output. */
function defaultLogger(): Logger {
  const level = process.env.STEPFLEET_LOG_LEVEL ?? 'silent';
  return pino({ name: 'stepfleet-local', level }, pino.destination(2));
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
