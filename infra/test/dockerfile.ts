/**
 * Reads docker/Dockerfile the way the tests need it: its stages with their instructions, exec-form
 * arrays (ENTRYPOINT, CMD, HEALTHCHECK), ARG defaults, and a copy of the build context as CDK
 * stages it (the same .dockerignore logic), so the image's steps can be run outside Docker
 * (see image-build.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FileSystem, IgnoreMode } from 'aws-cdk-lib';
import { DockerfileParser, type Flag, type Instruction } from 'dockerfile-ast';

/** The repository root, the image's build context. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The Dockerfile, relative to the context. */
export const DOCKERFILE = 'docker/Dockerfile';

/** One instruction: its keyword and its raw arguments (continuation lines joined). */
export interface DockerInstruction {
  readonly keyword: string;
  readonly args: string;
}

/** One build stage: `FROM <image> AS <name>` and what follows it. */
export interface DockerStage {
  readonly name: string;
  readonly from: string;
  readonly instructions: readonly DockerInstruction[];
}

/** A parsed Dockerfile. */
export interface ParsedDockerfile {
  readonly text: string;
  /** ARGs declared before the first FROM, with their defaults. */
  readonly globalArgs: Readonly<Record<string, string>>;
  readonly stages: readonly DockerStage[];
}

/** Reads and parses the repository's Dockerfile. */
export function readDockerfile(path = `${REPOSITORY_ROOT}${DOCKERFILE}`): ParsedDockerfile {
  const text = readFileSync(path, 'utf8');
  const globalArgs: Record<string, string> = {};
  const stages: { name: string; from: string; instructions: DockerInstruction[] }[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const keyword = instruction.getKeyword();
    const args = argumentsOf(instruction);
    if (keyword === 'FROM') {
      const [from = '', , name = `stage${stages.length}`] = args.split(/\s+/);
      stages.push({ name, from, instructions: [] });
    } else if (stages.length === 0 && keyword === 'ARG') {
      const [name = '', value = ''] = args.split('=', 2);
      globalArgs[name] = value;
    } else {
      stages.at(-1)?.instructions.push({ keyword, args });
    }
  }
  return { text, globalArgs, stages };
}

/** The stage named `name`. @throws when there is none */
export function stage(dockerfile: ParsedDockerfile, name: string): DockerStage {
  const found = dockerfile.stages.find((s) => s.name === name);
  if (!found) throw new Error(`the Dockerfile has no stage ${name}`);
  return found;
}

/** Arguments of every instruction with `keyword` in `stage`. */
export function argsOf(s: DockerStage, keyword: string): string[] {
  return s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/**
 * The ARG values in scope in `s`, as Docker sees them: a stage sees only the ARGs it declares;
 * one declared without a value takes the default given before the first FROM.
 */
export function stageArgs(dockerfile: ParsedDockerfile, s: DockerStage): Record<string, string> {
  const values: Record<string, string> = {};
  for (const text of argsOf(s, 'ARG')) {
    const eq = text.indexOf('=');
    if (eq < 0) values[text] = dockerfile.globalArgs[text] ?? '';
    else values[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return values;
}

/** An exec-form (JSON array) argument list, e.g. of ENTRYPOINT. @throws for the shell form */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`not an exec-form array: ${args}`);
  }
  return parsed;
}

/** The `KEY=value` pairs of ARG/ENV arguments, `${VAR}` expanded from `vars`. */
export function assignments(
  args: string,
  vars: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const pair of args.split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    pairs[eq < 0 ? pair : pair.slice(0, eq)] = value.replace(
      /\$\{(\w+)\}/g,
      (_, name: string) => vars[name] ?? '',
    );
  }
  return pairs;
}

/**
 * Copies the build context to `destination` exactly as CDK stages a Docker asset: the
 * repository filtered by its .dockerignore, with Docker's pattern rules.
 */
export function copyBuildContext(destination: string): void {
  const patterns = readFileSync(`${REPOSITORY_ROOT}.dockerignore`, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  FileSystem.copyDirectory(REPOSITORY_ROOT, destination, {
    exclude: patterns,
    ignoreMode: IgnoreMode.DOCKER,
  });
}

/** The instruction's arguments, with its flags (`--from=build`, `--interval=30s`) in front. */
function argumentsOf(instruction: Instruction): string {
  const withFlags = instruction as Instruction & { getFlags?: () => Flag[] };
  const flags = (withFlags.getFlags?.() ?? []).map((f) => `--${f.getName()}=${f.getValue() ?? ''}`);
  return [...flags, ...instruction.getArguments().map((a) => a.getValue())].join(' ');
}
