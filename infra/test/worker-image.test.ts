/**
 * The worker image without Docker: the Dockerfile's own RUN and COPY steps, read from it, are run
 * in fresh temporary directories (build stage, production-deps stage, run-stage layout), then the
 * image's exact command line (ENTRYPOINT minus tini, which only exists in the image) starts a
 * worker against the local backend, which takes a task and exits 0 on SIGTERM.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { CreateActivityCommand, SFNClient } from '@aws-sdk/client-sfn';
import { WORKER_HEALTH_CHECK_COMMAND } from '@stepfleet/cdk';
import { type LocalBackend, startLocalBackend } from '@stepfleet/local';
import { MONTE_CARLO_HANDLERS } from '../../examples/monte-carlo/src/job.ts';
import {
  argsOf,
  assignments,
  copyBuildContext,
  type DockerStage,
  execForm,
  readDockerfile,
  stage,
} from './dockerfile.ts';

const exec = promisify(execFile);
const dockerfile = readDockerfile();
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

let work: string;
/** Where each stage's absolute paths land outside Docker. */
let paths: { context: string; out: string; deps: string; app: string; tmp: string };

/**
 * The environment of a step: no NODE_OPTIONS (the image has none, so packages resolve to their
 * compiled dist/), none of the outer npm's settings, the stage's ENV, npm served from its cache.
 */
function stepEnvironment(s: DockerStage, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name !== 'NODE_OPTIONS' && !/^npm_/i.test(name)),
  );
  const stageEnv = Object.assign({}, ...argsOf(s, 'ENV').map((e) => assignments(e)));
  return { ...inherited, ...stageEnv, npm_config_prefer_offline: 'true', ...extra };
}

/** Runs a stage's RUN steps in `cwd`, with the image's absolute paths mapped to temp dirs. */
async function runSteps(s: DockerStage, cwd: string, mapping: Record<string, string>): Promise<void> {
  for (const command of argsOf(s, 'RUN')) {
    const mapped = Object.entries(mapping).reduce(
      (text, [from, to]) => text.replace(new RegExp(`(?<![\\w.$])${from}(?=/|\\s|"|$)`, 'g'), to),
      command,
    );
    await exec('sh', ['-c', mapped], { cwd, env: stepEnvironment(s), maxBuffer: 64 << 20 });
  }
}

/** The manifests stage's COPY steps, from the context into `destination`. */
function copyManifests(destination: string): void {
  for (const args of argsOf(stage(dockerfile, 'manifests'), 'COPY')) {
    const parts = args.split(/\s+/);
    const target = join(destination, parts.at(-1) ?? '.');
    mkdirSync(target, { recursive: true });
    for (const source of parts.slice(0, -1))
      cpSync(join(paths.context, source), join(target, source.split('/').at(-1)!));
  }
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'stepfleet-image-'));
  paths = {
    context: join(work, 'context'),
    out: join(work, 'out'),
    deps: join(work, 'deps'),
    app: join(work, 'app'),
    tmp: join(work, 'tmp'),
  };
  mkdirSync(paths.tmp);
  copyBuildContext(paths.context);
  // build: the context already holds what its COPY steps bring; then npm ci, npm run build, /out.
  // deps: the manifests alone, then npm ci --omit=dev. Both run at once, as BuildKit would.
  copyManifests(paths.deps);
  await Promise.all([
    runSteps(stage(dockerfile, 'build'), paths.context, { '/out': paths.out, '/build': paths.context }),
    runSteps(stage(dockerfile, 'deps'), paths.deps, { '/build': paths.deps }),
  ]);
  // run: COPY --from=<stage> <path> ./ into the app directory.
  const stageRoots: Record<string, Record<string, string>> = {
    build: { '/out/': paths.out, '/build/': paths.context },
    deps: { '/build/': paths.deps },
  };
  for (const args of argsOf(stage(dockerfile, 'run'), 'COPY')) {
    const [, from = '', source = ''] = /^--from=(\S+)\s+(\S+)\s+\.\/$/.exec(args) ?? [];
    const root = stageRoots[from]?.[source];
    assert.ok(root, `COPY ${args} maps to a directory of the build`);
    cpSync(root, paths.app, { recursive: true, verbatimSymlinks: true });
  }
});

after(() => rm(work, { recursive: true, force: true }));

test('GIVEN the build steps run in a fresh directory WHEN done THEN each package has its dist/ and the run stage holds no sources and no dev dependencies', () => {
  const entries: [string, string][] = [
    ['job', 'index.js'],
    ['worker', 'index.js'],
    ['cli', 'main.js'],
  ];
  for (const [pkg, entry] of entries) {
    assert.ok(existsSync(join(paths.app, 'packages', pkg, 'dist', entry)), `packages/${pkg}/dist/${entry}`);
    assert.ok(!existsSync(join(paths.app, 'packages', pkg, 'src')), `packages/${pkg}/src is left out`);
  }
  assert.ok(existsSync(join(paths.app, 'packages', 'cli', 'bin', 'stepfleet.js')));
  // The example's handlers, where the job spec and the HANDLER build arg point.
  for (const handler of Object.values(MONTE_CARLO_HANDLERS.compiled)) {
    assert.ok(existsSync(join(paths.app, handler)), handler);
  }
  const modules = readdirSync(join(paths.app, 'node_modules'));
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
    join(paths.app, 'image-test-handler.js'),
    "import { defineBatchHandler } from '@stepfleet/worker/handler';\n" +
      'export default defineBatchHandler(async ({ items }) => ({ sum: items.reduce((a, b) => a + b, 0) }));\n',
  );
  const run = stage(dockerfile, 'run');
  const [entrypoint = []] = argsOf(run, 'ENTRYPOINT').map(execForm);
  const [tini, separator, node, ...args] = entrypoint;
  assert.deepEqual([tini, separator, node], ['/usr/bin/tini', '--', 'node']);
  const environment = stepEnvironment(run, {
    STEPFLEET_HANDLER: 'image-test-handler.js',
    STEPFLEET_HEALTH_FILE: join(paths.tmp, 'health.json'),
    STEPFLEET_ACTIVITY_ARN: activityArn!,
    STEPFLEET_THREADS: '1',
    STEPFLEET_METRICS: 'off',
    AWS_ENDPOINT_URL: backend.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    HOME: paths.tmp,
  });

  const appFilesBefore = listFiles(paths.app);

  // WHEN the image's command line starts (node itself, in the app directory)
  const worker: ChildProcess = spawn(process.execPath, args, {
    cwd: paths.app,
    env: environment,
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
  await waitFor(() => existsSync(join(paths.tmp, 'health.json')), 10_000);
  await exec(process.execPath, healthArgs, { cwd: paths.app, env: environment });

  // AND on SIGTERM it drains and exits 0
  worker.kill('SIGTERM');
  const [code, signal] = await exited;
  assert.equal(signal, null, output);
  assert.equal(code, 0, output);

  // AND it wrote nothing outside its /tmp (the image runs with a read-only root filesystem)
  assert.deepEqual(listFiles(paths.app), appFilesBefore);
  // AND with the worker gone, the health check fails once its status goes stale
  await waitFor(() => !healthCheckPasses(healthArgs, environment), 15_000);
});

function healthCheckPasses(args: string[], env: NodeJS.ProcessEnv): boolean {
  return spawnSync(process.execPath, args, { cwd: paths.app, env, stdio: 'ignore' }).status === 0;
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
