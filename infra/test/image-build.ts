/**
 * Runs a Dockerfile's build steps outside Docker, each stage in a directory standing for its
 * filesystem: FROM (a stage: a copy of its directory), WORKDIR, ARG, ENV, COPY (from the build
 * context or `--from` a stage, with Docker's directory-contents semantics) and RUN (`sh -c` in the
 * stage's working directory, the image's absolute paths mapped into the stage's directory).
 * Stages run as soon as the stages they use are done, as BuildKit runs them.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { assignments, type DockerStage, type ParsedDockerfile, stageArgs } from './dockerfile.ts';

const exec = promisify(execFile);

/**
 * Top-level directories of the base image. A RUN step touching them (other than those `skip`
 * leaves out) is refused: run outside Docker, it would change this machine.
 */
const SYSTEM_DIRS = new Set([
  'bin',
  'dev',
  'etc',
  'home',
  'lib',
  'opt',
  'proc',
  'root',
  'sbin',
  'sys',
  'tmp',
  'usr',
  'var',
]);

/** A built stage. */
export interface BuiltStage {
  /** The directory standing for the stage's filesystem root. */
  readonly root: string;
  /** The stage's working directory (a container path). */
  readonly workdir: string;
  /** The stage's ENV, with ARGs expanded. */
  readonly env: Readonly<Record<string, string>>;
  /** `root` + a container path. */
  path(containerPath: string): string;
}

/** Options of {@link buildOutsideDocker}. */
export interface BuildOptions {
  /** The build context (as CDK stages it). */
  readonly context: string;
  /** Where the stages' directories go. */
  readonly workDir: string;
  /** The environment of RUN steps, given the stage's ENV. */
  readonly environment: (stageEnv: Readonly<Record<string, string>>) => NodeJS.ProcessEnv;
  /** RUN steps that only make sense in the image (system packages): not run. */
  readonly skip: (command: string) => boolean;
}

/** Builds every stage of `dockerfile`; resolves with each stage's result by name. */
export async function buildOutsideDocker(
  dockerfile: ParsedDockerfile,
  options: BuildOptions,
): Promise<Record<string, BuiltStage>> {
  const building = new Map<string, Promise<BuiltStage>>();
  const stageNamed = (name: string): Promise<BuiltStage> => {
    const found = building.get(name);
    if (!found) throw new Error(`stage ${name} is used before it is defined`);
    return found;
  };
  for (const s of dockerfile.stages) {
    building.set(s.name, buildStage(s, dockerfile, options, stageNamed));
  }
  const built = await Promise.all([...building.entries()].map(async ([name, p]) => [name, await p] as const));
  return Object.fromEntries(built);
}

async function buildStage(
  s: DockerStage,
  dockerfile: ParsedDockerfile,
  options: BuildOptions,
  stageNamed: (name: string) => Promise<BuiltStage>,
): Promise<BuiltStage> {
  const root = join(options.workDir, s.name);
  const isStage = dockerfile.stages.some((other) => other.name === s.from);
  const base = isStage ? await stageNamed(s.from) : undefined;
  if (base) cpSync(base.root, root, { recursive: true, verbatimSymlinks: true });
  mkdirSync(root, { recursive: true });
  let workdir = base?.workdir ?? '/';
  const env: Record<string, string> = { ...base?.env };
  // Build args are in a RUN step's environment, as Docker gives them.
  const args = stageArgs(dockerfile, s);
  const path = (containerPath: string) => join(root, posix.resolve(workdir, containerPath));

  for (const { keyword, args: text } of s.instructions) {
    if (keyword === 'WORKDIR') {
      workdir = posix.resolve(workdir, text);
      mkdirSync(path('.'), { recursive: true });
    } else if (keyword === 'ENV') {
      Object.assign(env, assignments(text, args));
    } else if (keyword === 'COPY') {
      const from = /^--from=(\S+)\s+/.exec(text);
      const parts = text.slice(from?.[0].length ?? 0).split(/\s+/);
      const dest = path(parts.at(-1) ?? '.');
      const sourceRoot = from ? (await stageNamed(from[1] ?? '')).root : options.context;
      for (const source of parts.slice(0, -1))
        copy(join(sourceRoot, source), dest, (parts.at(-1) ?? '').endsWith('/'));
    } else if (keyword === 'RUN' && !options.skip(text)) {
      await exec('sh', ['-c', mapPaths(text, root)], {
        cwd: path('.'),
        env: options.environment({ ...args, ...env }),
        maxBuffer: 64 << 20,
      });
    }
  }
  return { root, workdir, env, path };
}

/** COPY: a directory's contents into `dest`; a file into `dest/` (a directory) or as `dest`. */
function copy(source: string, dest: string, destIsDirectory: boolean): void {
  if (statSync(source).isDirectory()) {
    cpSync(source, dest, { recursive: true, verbatimSymlinks: true });
    return;
  }
  const target = destIsDirectory || dest.endsWith('/') ? join(dest, basename(source)) : dest;
  mkdirSync(dirname(target), { recursive: true });
  cpSync(source, target);
}

/** Rewrites the image's absolute paths (`/out`, `/build`...) in a command to the stage's directory. */
function mapPaths(command: string, root: string): string {
  return command.replace(/(^|[\s"'=])\/(\w+)(?=\/|[\s"';]|$)/g, (_, before: string, top: string) => {
    if (SYSTEM_DIRS.has(top))
      throw new Error(`RUN touches /${top} of the image, which cannot be run outside Docker: ${command}`);
    return `${before}${root}/${top}`;
  });
}
