import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';

/**
 * The environment variables the fleet sets for the worker (names as `@stepfleet/worker` reads
 * them; its README lists them all).
 */
export const WORKER_ENV = {
  /** Activity ARN(s) to poll: `arn` or comma-separated `arn=handler` pairs. */
  activityArn: 'STEPFLEET_ACTIVITY_ARN',
  /** The default handler module (the image sets it from its `HANDLER` build arg). */
  handler: 'STEPFLEET_HANDLER',
  /** Handler threads. */
  threads: 'STEPFLEET_THREADS',
  /** Stop budget after SIGTERM, the task's stopTimeout. */
  stopTimeoutSeconds: 'STEPFLEET_STOP_TIMEOUT_SECONDS',
  /** Bucket for outputs over 256 KiB. */
  outputBucket: 'STEPFLEET_OUTPUT_BUCKET',
  /** Key prefix for offloaded outputs. */
  outputPrefix: 'STEPFLEET_OUTPUT_PREFIX',
  /** Bucket of the job's data, for the S3 helpers. */
  dataBucket: 'STEPFLEET_DATA_BUCKET',
} as const;

/**
 * The worker's health check, as the image's `HEALTHCHECK` runs it (relative to the image's
 * working directory `/app`): healthy while the event loop is responsive and polling is not stuck.
 */
export const WORKER_HEALTH_CHECK_COMMAND: readonly string[] = [
  'node',
  'packages/cli/bin/stepfleet.js',
  'worker',
  '--health',
];

/** Options of {@link workerImage}. */
export interface WorkerImageOptions {
  /** The build context: the root of the stepfleet repository (or of a project laid out like it). */
  readonly directory: string;
  /**
   * The Dockerfile, relative to `directory`.
   * @default 'docker/Dockerfile'
   */
  readonly file?: string;
  /**
   * The handler module, relative to the image's `/app` (compiled `.js`, e.g.
   * `examples/monte-carlo/dist/handler.js`), passed as the `HANDLER` build arg: its workspace
   * (the path before `/dist/`) is built into the image with its production dependencies.
   * @default - the Dockerfile's default, the Monte Carlo example's handler
   */
  readonly handler?: string;
  /**
   * Platform to build for; must match the fleet's `cpuArchitecture` (an arm64 laptop would
   * otherwise build an image the default x86_64 tasks cannot start).
   * @default Platform.LINUX_AMD64, the fleet's default architecture
   */
  readonly platform?: Platform;
}

/**
 * The stepfleet worker image built from `docker/Dockerfile` as a CDK asset. `cdk synth` only
 * stages the context; Docker builds and pushes the image at `cdk deploy`.
 */
export function workerImage(options: WorkerImageOptions): ecs.ContainerImage {
  return ecs.ContainerImage.fromAsset(options.directory, {
    file: options.file ?? 'docker/Dockerfile',
    ...(options.handler === undefined ? {} : { buildArgs: { HANDLER: options.handler } }),
    platform: options.platform ?? Platform.LINUX_AMD64,
  });
}

/**
 * Where a handler module of a job spec lives in the image: the repository compiles each
 * package's `src/*.ts` to `dist/*.js` (tsconfig `rootDir: src`, `outDir: dist`), and the image
 * holds only `dist/`. Paths already pointing at `.js` files are kept.
 */
export function imageHandlerPath(handler: string): string {
  const relative = handler.replace(/^\.\//, '');
  if (!relative.endsWith('.ts')) return relative;
  return relative.replace(/(^|\/)src\//, '$1dist/').replace(/\.ts$/, '.js');
}
