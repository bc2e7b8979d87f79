/**
 * The worker image without Docker: the Dockerfile's own steps, read from it, are run in fresh
 * temporary directories (image-build.ts: every stage, COPY and RUN as written; only the run
 * stage's apt-get install of tini is left out), then the image's exact command line (ENTRYPOINT
 * minus tini, which only exists in the image) starts a worker against the local backend, which
 * takes a task and exits 0 on SIGTERM.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { CreateActivityCommand, SFNClient } from '@aws-sdk/client-sfn';
import { WORKER_HEALTH_CHECK_COMMAND } from '@stepfleet/cdk';
import { type LocalBackend, startLocalBackend } from '@stepfleet/local';
import { MONTE_CARLO_HANDLERS } from '../../examples/monte-carlo/src/job.ts';
import { argsOf, copyBuildContext, execForm, readDockerfile, stage } from './dockerfile.ts';
import { type BuiltStage, buildOutsideDocker } from './image-build.ts';

const exec = promisify(execFile);
const dockerfile = readDockerfile();
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

let work: string;
let stages: Record<string, BuiltStage>;
/** The run stage's working directory: /app of the image. */
let app: string;
/** The image's /tmp. */
let tmp: string;

/**
 * The environment of a step or of the worker: the stage's ENV, no NODE_OPTIONS (the image has
 * none, so packages resolve to their compiled dist/), none of the outer npm's settings, npm
 * served from its cache when it can.
 */
function environment(
  stageEnv: Readonly<Record<string, string>>,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name !== 'NODE_OPTIONS' && !/^npm_/i.test(name)),
  );
  return { ...inherited, ...stageEnv, npm_config_prefer_offline: 'true', ...extra };
}

/**
 * Where the stages' directories go: a RAM-backed filesystem when the machine has one. The
 * steps write ~0.5 GB (two `npm ci`s, dev dependencies included): on /dev/shm the full `npm ci`
 * measured 8 s user + 4 s system CPU against 11 s + 7 s on the disk's /tmp, and it no longer
 * competes for the disk with the rest of the suite. What the steps prove (the Dockerfile's
 * steps work in a fresh directory) is the same.
 */
function scratchRoot(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

before(async () => {
  work = await mkdtemp(join(scratchRoot(), 'stepfleet-image-'));
  tmp = join(work, 'tmp');
  mkdirSync(tmp);
  const context = join(work, 'context');
  copyBuildContext(context);
  stages = await buildOutsideDocker(dockerfile, {
    context,
    workDir: join(work, 'stages'),
    environment: (stageEnv) => environment(stageEnv),
    skip: (command) => command.startsWith('apt-get '),
  });
  const run = stages.run;
  assert.ok(run);
  app = run.path('.');
});

after(() => rm(work, { recursive: true, force: true }));

test('GIVEN the build steps run in a fresh directory WHEN done THEN each package has its dist/ and the run stage holds no sources and no dev dependencies', () => {
  const entries: [string, string][] = [
    ['job', 'index.js'],
    ['worker', 'index.js'],
    ['cli', 'main.js'],
  ];
  for (const [pkg, entry] of entries) {
    assert.ok(existsSync(join(app, 'packages', pkg, 'dist', entry)), `packages/${pkg}/dist/${entry}`);
    assert.ok(!existsSync(join(app, 'packages', pkg, 'src')), `packages/${pkg}/src is left out`);
  }
  assert.ok(existsSync(join(app, 'packages', 'cli', 'bin', 'stepfleet.js')));
  // The example's handlers, where the job spec and the HANDLER build arg point.
  for (const handler of Object.values(MONTE_CARLO_HANDLERS.compiled)) {
    assert.ok(existsSync(join(app, handler)), handler);
  }
  const modules = readdirSync(join(app, 'node_modules'));
  for (const dev of ['typescript', 'aws-cdk-lib', 'aws-cdk', '@biomejs', 'esbuild', 'cdk-nag']) {
    assert.ok(!modules.includes(dev), `${dev} is a dev dependency and stays out of the image`);
  }
  for (const prod of ['@aws-sdk', 'piscina', 'pino', '@stepfleet']) assert.ok(modules.includes(prod), prod);
});

test('GIVEN the built image tree WHEN its exact command line runs against the local backend THEN the worker takes a task and exits 0 on SIGTERM', async (t) => {
  // GIVEN a local backend with an activity, and a handler module in the app directory
  const backend: LocalBackend = await startLocalBackend({ port: 0, activityPollSeconds: 1 });
  const sfn = new SFNClient({ endpoint: backend.url, region: 'us-east-1', credentials });
  t.after(async () => {
    sfn.destroy();
    await backend.close();
  });
  const { activityArn } = await sfn.send(new CreateActivityCommand({ name: 'image-test' }));
  writeFileSync(
    join(app, 'image-test-handler.js'),
    "import { defineBatchHandler } from '@stepfleet/worker/handler';\n" +
      'export default defineBatchHandler(async ({ items }) => ({ sum: items.reduce((a, b) => a + b, 0) }));\n',
  );
  const [entrypoint = []] = argsOf(stage(dockerfile, 'run'), 'ENTRYPOINT').map(execForm);
  const [tini, separator, node, ...args] = entrypoint;
  assert.deepEqual([tini, separator, node], ['/usr/bin/tini', '--', 'node']);
  const workerEnv = environment(stages.run?.env ?? {}, {
    STEPFLEET_HANDLER: 'image-test-handler.js',
    STEPFLEET_HEALTH_FILE: join(tmp, 'health.json'),
    STEPFLEET_ACTIVITY_ARN: activityArn!,
    STEPFLEET_THREADS: '1',
    STEPFLEET_METRICS: 'off',
    AWS_ENDPOINT_URL: backend.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    HOME: tmp,
  });

  const appFilesBefore = listFiles(app);

  // WHEN the image's command line starts (node itself, in the app directory)
  const worker: ChildProcess = spawn(process.execPath, args, {
    cwd: app,
    env: workerEnv,
    stdio: 'pipe',
  });
  let output = '';
  worker.stdout?.on('data', (chunk) => (output += chunk));
  worker.stderr?.on('data', (chunk) => (output += chunk));
  const exited = once(worker, 'exit');
  t.after(() => {
    if (worker.exitCode === null) worker.kill('SIGKILL');
  });

  // THEN it takes a task and reports its result
  const outcome = await Promise.race([
    backend.activities.schedule(activityArn!, JSON.stringify({ Items: [1, 2, 3], BatchInput: {} }), {
      timeoutSeconds: 30,
    }),
    exited.then(([code]) => assert.fail(`the worker exited (${code}) before taking the task:\n${output}`)),
  ]);
  assert.deepEqual(outcome.status === 'SUCCEEDED' && JSON.parse(outcome.output), { sum: 6 }, output);

  // AND the image's health check reports it healthy
  const [healthNode, ...healthArgs] = WORKER_HEALTH_CHECK_COMMAND;
  assert.equal(healthNode, 'node');
  await waitFor(() => existsSync(join(tmp, 'health.json')), 10_000);
  await exec(process.execPath, healthArgs, { cwd: app, env: workerEnv });

  // AND on SIGTERM it drains and exits 0
  worker.kill('SIGTERM');
  const [code, signal] = await exited;
  assert.equal(signal, null, output);
  assert.equal(code, 0, output);

  // AND it wrote nothing outside its /tmp (the image runs with a read-only root filesystem)
  assert.deepEqual(listFiles(app), appFilesBefore);
  // AND with the worker gone, the health check fails once its status goes stale
  await waitFor(() => !healthCheckPasses(healthArgs, workerEnv), 15_000);
});

function healthCheckPasses(args: string[], env: NodeJS.ProcessEnv): boolean {
  return spawnSync(process.execPath, args, { cwd: app, env, stdio: 'ignore' }).status === 0;
}

function listFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => !f.startsWith('node_modules'))
    .sort();
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
