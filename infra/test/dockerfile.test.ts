import assert from 'node:assert/strict';
import { existsSync, globSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { WORKER_ENV, WORKER_HEALTH_CHECK_COMMAND } from '@stepfleet/cdk';
import { ValidationSeverity, type ValidatorSettings, validate } from 'dockerfile-utils';
import { MONTE_CARLO_HANDLERS } from '../../examples/monte-carlo/src/job.ts';
import {
  argsOf,
  assignments,
  copyBuildContext,
  execForm,
  REPOSITORY_ROOT,
  readDockerfile,
  stage,
  stageArgs,
} from './dockerfile.ts';
import { buildOutsideDocker } from './image-build.ts';

/** Every check dockerfile-utils has, as an error. */
const STRICT: ValidatorSettings = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};

const dockerfile = readDockerfile();
const run = stage(dockerfile, 'run');

test('GIVEN the Dockerfile WHEN linted with dockerfile-utils at full strictness THEN there is no finding', () => {
  assert.deepEqual(validate(dockerfile.text, STRICT), []);
  // The linter does find problems: the same check on a broken Dockerfile reports them.
  const broken = 'from node:24-slim\nWORKDIR app\nCMD ["a"]\nCMD [\'b\']\n';
  assert.ok(validate(broken, STRICT).length >= 3);
});

test('GIVEN every stage WHEN read THEN each is built on node:24-slim', () => {
  const base = dockerfile.globalArgs.NODE_IMAGE;
  assert.equal(base, 'node:24-slim');
  for (const s of dockerfile.stages) {
    assert.ok(
      s.from === `\${NODE_IMAGE}` || dockerfile.stages.some((other) => other.name === s.from),
      s.name,
    );
  }
  assert.deepEqual(
    dockerfile.stages.map((s) => s.name),
    ['context', 'manifests', 'build', 'deps', 'run'],
  );
});

test('GIVEN the run stage WHEN read THEN it runs node under tini as a non-root user, stops on SIGTERM and has a health check', () => {
  assert.deepEqual(argsOf(run, 'USER'), ['node']);
  assert.deepEqual(argsOf(run, 'STOPSIGNAL'), ['SIGTERM']);
  const [entrypoint] = argsOf(run, 'ENTRYPOINT').map(execForm);
  assert.deepEqual(
    entrypoint?.slice(0, 3),
    ['/usr/bin/tini', '--', 'node'],
    'tini is PID 1 and starts node itself',
  );
  assert.ok(!entrypoint?.includes('npm'));
  const [healthcheck] = argsOf(run, 'HEALTHCHECK');
  const command = healthcheck?.slice(healthcheck.indexOf('CMD ') + 4) ?? '';
  assert.deepEqual(
    execForm(command),
    [...WORKER_HEALTH_CHECK_COMMAND],
    'the ECS health check runs the same command',
  );
  assert.match(run.instructions.map((i) => i.args).join('\n'), /install -y --no-install-recommends tini/);
});

test('GIVEN the run stage WHEN read THEN its settings come from the environment, writable paths are under /tmp, and no secret is baked in', () => {
  const args = stageArgs(dockerfile, run);
  const env = Object.assign({}, ...argsOf(run, 'ENV').map((e) => assignments(e, args)));
  assert.equal(
    env[WORKER_ENV.handler],
    MONTE_CARLO_HANDLERS.compiled.batch,
    'the HANDLER build arg defaults to the batch handler of the example',
  );
  assert.equal(env.HOME, '/tmp');
  assert.match(env.STEPFLEET_HEALTH_FILE, /^\/tmp\//);
  assert.equal(env.NODE_ENV, 'production');
  for (const name of [...Object.keys(env), ...Object.keys(args)]) {
    assert.doesNotMatch(name, /SECRET|PASSWORD|TOKEN|ACCESS_KEY|CREDENTIAL/i, `${name} looks like a secret`);
  }
});

test('GIVEN the staged context WHEN the context stage runs THEN exactly the lockfile and every workspace manifest remain for npm ci', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stepfleet-manifests-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  copyBuildContext(join(dir, 'context'));
  const only = { ...dockerfile, stages: [stage(dockerfile, 'context')] };
  const built = await buildOutsideDocker(only, {
    context: join(dir, 'context'),
    workDir: join(dir, 'stages'),
    environment: () => ({ PATH: process.env.PATH }),
    skip: () => false,
  });
  const kept = globSync('**/*', { cwd: built.context!.path('.'), withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(built.context!.path('.'), join(entry.parentPath, entry.name)))
    .sort();
  const workspaces: string[] = JSON.parse(readFileSync(`${REPOSITORY_ROOT}package.json`, 'utf8')).workspaces;
  const expected = workspaces.flatMap((w) => expandWorkspace(w)).map((dir) => `${dir}/package.json`);
  assert.deepEqual(kept, ['package-lock.json', 'package.json', ...expected].sort());
  assert.deepEqual(argsOf(stage(dockerfile, 'manifests'), 'COPY'), ['--from=context /context/ ./']);
});

test('GIVEN the .dockerignore WHEN the context is staged as CDK does THEN it holds sources and manifests, never node_modules, dist, tests or git', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stepfleet-context-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  copyBuildContext(dir);
  const files = globSync('**/*', { cwd: dir });
  for (const needed of [
    'package.json',
    'package-lock.json',
    'tsconfig.base.json',
    'docker/Dockerfile',
    'packages/worker/src/index.ts',
    'examples/monte-carlo/src/handler.ts',
  ]) {
    assert.ok(files.includes(needed), `${needed} is in the context`);
  }
  const unwanted = files.filter((f) =>
    /(^|\/)(node_modules|dist|test|\.git|cdk\.out)(\/|$)|\.npmrc$/.test(f),
  );
  assert.deepEqual(unwanted, []);
});

function expandWorkspace(pattern: string): string[] {
  if (!pattern.endsWith('/*')) return [pattern];
  const parent = pattern.slice(0, -2);
  return readdirSync(join(REPOSITORY_ROOT, parent))
    .filter((name) => existsSync(join(REPOSITORY_ROOT, parent, name, 'package.json')))
    .map((name) => `${parent}/${name}`);
}
