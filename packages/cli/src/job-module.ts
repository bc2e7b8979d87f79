/**
 * The contract between `stepfleet run <job>` and a job: a module whose default export is a
 * {@link JobModule}. The CLI owns everything generic (backend, deployment, fleet, controller,
 * progress view, Ctrl-C); the module owns what only it knows (the spec, its data, its report).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { JobSpec, JsonObject } from '@stepfleet/job';

/** The generic options of `stepfleet run`, as the job module receives them. */
export interface JobRunOptions {
  /** Where the run goes: the local backend or a deployed stack. */
  readonly target: 'local' | 'aws';
  /** `--items N`: how many items the run covers (locally: how many to generate). */
  readonly items?: number;
  /** `--seed S`: the job's seed (data and simulation); a string, the job parses it. */
  readonly seed?: string;
  /** `--size N`: the work per item (the Monte Carlo job: draws). */
  readonly size?: number;
  /** `--batch N`: items per batch. */
  readonly batchSize?: number;
  /** `--workers N`: the fleet's most workers. */
  readonly workers?: number;
  /** `--threads N`: handler threads per worker. */
  readonly threads?: number;
}

/** Where a local run's data lives, handed to {@link JobPlan.prepare}. */
export interface PrepareContext {
  /** An S3 client for the local backend. */
  readonly s3: S3Client;
  /** The bucket the job reads its items from (created already). */
  readonly inputBucket: string;
  /** Writes one line of progress (the CLI prints it, plainly). */
  log(line: string): void;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
}

/** What {@link JobPlan.report} gets once the execution has succeeded. */
export interface ReportContext {
  /** An S3 client for the backend (local) or the account (AWS). */
  readonly s3: S3Client;
  /** The execution's output, parsed (`{ input, mapRun, result? }` of a generated definition). */
  readonly output: unknown;
  /** Directory for report files (`--out`, default `out`). */
  readonly outDir: string;
  /** Prints text for the user (stdout). */
  print(text: string): void;
}

/** One run of a job, built by {@link JobModule.plan} from the options. */
export interface JobPlan {
  /** The job (from `defineJob`); its `worker.handler` and `aggregate.handler` are module paths. */
  readonly spec: JobSpec;
  /** The execution input. @defaultValue `{}` */
  readonly input?: JsonObject;
  /**
   * Writes the run's items into the local backend's S3 (local runs only; on AWS the data is
   * already in place). Return a one-line summary, or nothing.
   */
  prepare?(context: PrepareContext): Promise<string | undefined>;
  /** Prints the result and writes report files; returns the files written. */
  report?(context: ReportContext): Promise<readonly string[]>;
}

/** What a job module's default export is. */
export interface JobModule {
  /** One line for `stepfleet run --help`. */
  readonly description: string;
  /**
   * Builds the run from the options; throw a `RangeError` or `TypeError` naming a bad option
   * (the CLI turns it into a usage error, exit code 2).
   */
  plan(options: JobRunOptions): JobPlan | Promise<JobPlan>;
}

/**
 * The job modules bundled with stepfleet, by short name. Adding one is a line here and a file
 * in `jobs/` default-exporting a {@link JobModule}.
 */
export const BUNDLED_JOBS: Readonly<Record<string, () => Promise<{ default: JobModule }>>> = {
  'monte-carlo': () => import('./jobs/monte-carlo.ts'),
  weather: () => import('@stepfleet/example-weather/job-module'),
};

/** A job that could not be loaded: unknown name, missing file, or a module without a JobModule. */
export class JobModuleError extends Error {
  override readonly name = 'JobModuleError';
}

/**
 * Loads `<job>`: a bundled job's short name, or a path to a module (relative to the current
 * directory) whose default export is a {@link JobModule}.
 */
export async function loadJobModule(job: string): Promise<JobModule> {
  const bundled = Object.hasOwn(BUNDLED_JOBS, job) ? BUNDLED_JOBS[job] : undefined;
  if (bundled) return (await bundled()).default;
  if (!/[/\\.]/.test(job)) {
    throw new JobModuleError(
      `unknown job '${job}': give a bundled job (${Object.keys(BUNDLED_JOBS).join(', ')}) or a path to a job module`,
    );
  }
  const { pathToFileURL } = await import('node:url');
  const { resolve } = await import('node:path');
  const { access } = await import('node:fs/promises');
  const path = resolve(job);
  try {
    await access(path);
  } catch {
    throw new JobModuleError(`job module not found: ${path}`);
  }
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    throw new JobModuleError(`cannot load job module ${path}: ${(error as Error).message}`);
  }
  const candidate = loaded.default as Partial<JobModule> | undefined;
  if (typeof candidate?.plan !== 'function' || typeof candidate.description !== 'string') {
    throw new JobModuleError(
      `${path} is not a job module: its default export must be { description: string, plan(options) }`,
    );
  }
  return candidate as JobModule;
}
