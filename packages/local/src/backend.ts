import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ActivityStore } from './activities/activity-store.ts';
import { activityOperations } from './activities/operations.ts';
import { type LocalBackendOptions, resolveBackendOptions } from './backend-options.ts';
import { type Clock, createClock } from './clock.ts';
import { controlRoute } from './control-api.ts';
import { createEcsService, type EcsService } from './ecs/index.ts';
import { createEngine, type LocalEngine } from './engine/index.ts';
import { FaultInjector } from './faults.ts';
import { createRouter, type ExtraRoute } from './http-router.ts';
import { createS3Service } from './s3/index.ts';
import type { S3Store } from './s3/types.ts';
import type { JsonOperation, JsonService, RestService } from './service.ts';

/** A running local backend. */
export interface LocalBackend {
  /** `http://127.0.0.1:PORT`: the `endpoint` for every SDK client (or `AWS_ENDPOINT_URL`). */
  readonly url: string;
  readonly port: number;
  /** Default region (requests signed for another region get ARNs in that one). */
  readonly region: string;
  readonly accountId: string;
  /** Where S3 objects and task logs live. */
  readonly dataDir: string;
  readonly clock: Clock;
  /** Step Functions activities: schedule tasks programmatically, read `stats()`. */
  readonly activities: ActivityStore;
  /** Change fault rules at run time (`faults.set([...])`, `faults.clear()`). */
  readonly faults: FaultInjector;
  /** S3 without HTTP: the store behind the S3 REST API (ItemReader, ResultWriter use it). */
  readonly s3: S3Store;
  /** ECS: its API and task agent endpoint, and what its task processes did (`ecs.observations`). */
  readonly ecs: EcsService;
  /** The Step Functions state machine engine (its operations are served under `AWSStepFunctions`). */
  readonly engine: LocalEngine;
  /** Stops executions, ECS tasks, then the server; removes a temporary data dir. Idempotent. */
  close(): Promise<void>;
}

/** The Step Functions JSON protocol: `X-Amz-Target: AWSStepFunctions.<Operation>`. */
const STATES = {
  serviceName: 'states',
  targetPrefix: 'AWSStepFunctions',
  contentType: 'application/x-amz-json-1.0',
};
/** Step Functions' request size limit (1 MB); other JSON services accept no more. */
const MAX_JSON_BODY_BYTES = 1 << 20;

/**
 * Starts the local backend: one HTTP server on loopback speaking the Step Functions, ECS and S3
 * wire protocols, so the real AWS SDK clients talk to it unchanged.
 * @example
 * const backend = await startLocalBackend({ port: 0, timeScale: 10 });
 * const sfn = new SFNClient({ endpoint: backend.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
 * // ...
 * await backend.close();
 */
export async function startLocalBackend(options: LocalBackendOptions = {}): Promise<LocalBackend> {
  const o = resolveBackendOptions(options);
  const log = o.logger;
  const dataDir = o.dataDir ?? (await mkdtemp(join(tmpdir(), 'stepfleet-local-')));
  await mkdir(dataDir, { recursive: true });
  const clock = createClock(o.timeScale);
  const faults = new FaultInjector();
  faults.set(o.faults);
  const activities = new ActivityStore({
    clock,
    pollSeconds: o.activityPollSeconds,
    keepPollsOfClosedConnections: o.keepPollsOfClosedConnections,
    recentTaskLimit: o.recentTaskLimit,
  });

  // Cleanups run in reverse order of registration on close: executions first, server last-but-one.
  const cleanups: { name: string; run: () => Promise<void> | void }[] = [];
  if (!o.dataDir)
    cleanups.push({ name: 'remove data dir', run: () => rm(dataDir, { recursive: true, force: true }) });

  const stateOperations: Record<string, JsonOperation> = { ...activityOperations(activities) };
  const jsonServices: JsonService[] = [{ ...STATES, operations: stateOperations }];
  const extraRoutes: ExtraRoute[] = [];
  const state: Record<string, () => unknown> = { activities: () => activities.stats() };
  const s3 = createS3Service({ dataDir, clock, logger: log });
  cleanups.push({ name: 's3', run: () => s3.close() });
  const rest: RestService = s3.rest;
  // ECS tasks learn the backend's URL ($ECS_AGENT_URI, AWS_ENDPOINT_URL) when they start, after listen.
  let baseUrl = '';
  const ecs = createEcsService({
    dataDir,
    clock,
    accountId: o.accountId,
    region: o.region,
    agentBaseUrl: () => baseUrl,
    logger: log,
    faults,
  });
  jsonServices.push(ecs.service);
  extraRoutes.push(ecs.agentRoute);
  state.ecs = () => ecs.observations.snapshot();
  const engine = createEngine({
    clock,
    accountId: o.accountId,
    activities,
    s3: s3.store,
    ecs: ecs.service,
    functions: o.functions,
    logger: log,
  });
  Object.assign(stateOperations, engine.operations);

  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 });
  server.on(
    'request',
    createRouter({
      jsonServices,
      rest,
      extraRoutes: [controlRoute({ faults, state }), ...extraRoutes],
      faults,
      accountId: o.accountId,
      defaultRegion: o.region,
      maxJsonBodyBytes: MAX_JSON_BODY_BYTES,
      onError: (error, where) => log.error({ err: error, where }, 'request failed'),
    }),
  );
  // Not HTTP, or a broken request: answer 400 when the socket still can be written, as Node would.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    log.debug({ err: error }, 'client error');
    if (socket.writable && error.code !== 'ECONNRESET')
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  cleanups.push({ name: 'http server', run: () => closeServer(server) });
  cleanups.push({ name: 'activities', run: () => activities.close() });
  // Tasks stop first, while activities and the server still answer a draining worker.
  cleanups.push({ name: 'ecs tasks', run: () => ecs.close() });
  // Executions stop first: their activity tasks close before workers and the server go.
  cleanups.push({ name: 'executions', run: () => engine.close() });

  let port: number;
  try {
    port = await listen(server, o.port, o.host);
  } catch (error) {
    // Port taken or not allowed: undo what was set up (temporary data dir, open stores).
    await runCleanups(
      cleanups.filter((c) => c.name !== 'http server'),
      log,
    ).catch(() => undefined);
    throw error;
  }
  const url = `http://${o.host}:${port}`;
  baseUrl = url;
  log.info({ url, dataDir }, 'stepfleet local listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    region: o.region,
    accountId: o.accountId,
    dataDir,
    clock,
    activities,
    faults,
    s3: s3.store,
    ecs,
    engine,
    close: () => {
      closing ??= runCleanups(cleanups, log);
      return closing;
    },
  };
}

/** Runs every cleanup (last registered first), reporting each failure, then throws them all. */
async function runCleanups(
  cleanups: readonly { name: string; run: () => Promise<void> | void }[],
  log: Logger,
): Promise<void> {
  const failures: Error[] = [];
  for (const cleanup of [...cleanups].reverse()) {
    try {
      await cleanup.run();
    } catch (error) {
      log.error({ err: error, cleanup: cleanup.name }, 'cleanup failed');
      failures.push(new Error(`${cleanup.name}: ${(error as Error).message}`, { cause: error }));
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, 'stepfleet local: some cleanups failed');
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, lets in-flight answers go out briefly, then cuts what is left. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 200).unref();
  });
}
