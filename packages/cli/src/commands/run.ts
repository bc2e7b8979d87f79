import { parseArgs } from 'node:util';
import { integerOption, positiveOption } from '../args.ts';
import { type Command, UsageError } from '../command.ts';
import {
  BUNDLED_JOBS,
  JobModuleError,
  type JobPlan,
  type JobRunOptions,
  loadJobModule,
} from '../job-module.ts';

const USAGE = `Usage: stepfleet run <job> [--local | --aws] [options]

Runs a job and shows its progress until it ends: items and batches done, failures by error
name, rate, ETA and the fleet's workers; redrawn in place on a terminal, plain lines otherwise.
Then the job's report (tables, files in --out).

<job> is a bundled job (${Object.keys(BUNDLED_JOBS).join(', ')}) or a path to a job module
(see the stepfleet README: a default export { description, plan(options) }).

Where:
  --local              on this machine (default): starts the local backend, generates the
                       data, runs the workers as local processes scaled by the controller
  --endpoint URL       with --local: use a backend already running there (stepfleet local)
  --aws                on the deployed stack (cdk deploy): reads its outputs
  --stack NAME         with --aws: the stack (default Stepfleet<JobName>, e.g. StepfleetMonteCarlo)
  --outputs-file FILE  with --aws: a 'cdk deploy --outputs-file' JSON instead of DescribeStacks

Job options, local runs (their meaning is the job's; monte-carlo: loans, seed, draws, loans/batch):
  --items N            items in the run (how many to generate)
  --seed S             seed of the data and the job
  --size N             work per item
  --batch N            items per batch
  --workers N          most workers in the fleet
  --threads N          handler threads per worker

Other options:
  --stop-on-exit       Ctrl-C stops the execution without asking (default: ask on a
                       terminal; a second Ctrl-C exits)
  --out DIR            report directory (default out)
  --time-scale N       local: simulated time runs N times faster (timeouts, heartbeats)
  --data DIR           local: keep the backend's S3 data and worker logs in DIR
  --plain              plain line-by-line output even on a terminal

Exit code: 0 when the execution succeeded, 1 when it did not, 2 for bad arguments.`;

/** `stepfleet run`: a job with a live progress view, locally or on AWS. */
const run: Command = {
  summary: 'run a job (locally or on AWS) with a live progress view, then its report',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        local: { type: 'boolean' },
        aws: { type: 'boolean' },
        endpoint: { type: 'string' },
        stack: { type: 'string' },
        'outputs-file': { type: 'string' },
        items: { type: 'string' },
        seed: { type: 'string' },
        size: { type: 'string' },
        batch: { type: 'string' },
        workers: { type: 'string' },
        threads: { type: 'string' },
        'stop-on-exit': { type: 'boolean' },
        out: { type: 'string' },
        'time-scale': { type: 'string' },
        data: { type: 'string' },
        plain: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length !== 1) {
      throw new UsageError(
        positionals.length === 0 ? 'name the job to run' : `one job, got ${positionals.length}`,
      );
    }
    if (values.local && values.aws) throw new UsageError('--local and --aws exclude each other');
    const target = values.aws ? 'aws' : 'local';
    if (target === 'aws' && (values.endpoint || values['time-scale'] || values.data)) {
      throw new UsageError('--endpoint, --time-scale and --data are for local runs');
    }
    const jobOptions = ['items', 'seed', 'size', 'batch', 'workers', 'threads'] as const;
    const given = jobOptions.filter((name) => values[name] !== undefined);
    if (target === 'aws' && given.length > 0) {
      // The deployed state machine fixes them: accepting them would ignore them silently.
      throw new UsageError(
        `${given.map((n) => `--${n}`).join(', ')}: on AWS the deployed job's settings apply (change them in infra/ and redeploy)`,
      );
    }
    if (target === 'local' && (values.stack || values['outputs-file'])) {
      throw new UsageError('--stack and --outputs-file are for --aws runs');
    }
    if (values.endpoint && !/^https?:\/\/[^/\s]+/.test(values.endpoint)) {
      throw new UsageError(`--endpoint must be an http(s) URL, got '${values.endpoint}'`);
    }
    const int = (name: string, text: string | undefined) =>
      text === undefined ? undefined : integerOption(`--${name}`, text, 1);
    const runOptions: JobRunOptions = withoutUndefined({
      target,
      items: int('items', values.items),
      seed: values.seed,
      size: int('size', values.size),
      batchSize: int('batch', values.batch),
      workers: int('workers', values.workers),
      threads: int('threads', values.threads),
    }) as JobRunOptions;
    const timeScale =
      values['time-scale'] === undefined ? undefined : positiveOption('--time-scale', values['time-scale']);

    const plan = await planJob(positionals[0]!, runOptions);
    const tty = values.plain ? false : undefined;
    if (target === 'aws') {
      const { defaultStackName, readStackOutputs, runAwsJob } = await import('../aws-run.ts');
      const outputs = await readStackOutputs(
        values.stack ?? defaultStackName(plan.spec.name),
        values['outputs-file'],
      );
      const { snapshot, end } = await runAwsJob({
        plan,
        outputs,
        stopOnExit: values['stop-on-exit'] === true,
        ...(values.out ? { outDir: values.out } : {}),
        ...(tty === undefined ? {} : { tty }),
      });
      return end === 'detached' || snapshot.status === 'SUCCEEDED' ? 0 : 1;
    }
    const { runLocalJob, RunInterruptedError } = await import('../local-run.ts');
    const outcome = await runLocalJob({
      plan,
      ...(values.endpoint ? { endpoint: values.endpoint } : {}),
      backendOptions: withoutUndefined({ timeScale, dataDir: values.data, port: 0 }),
      stopOnExit: values['stop-on-exit'] === true,
      ...(values.out ? { outDir: values.out } : {}),
      ...(tty === undefined ? {} : { tty }),
    }).catch((error: unknown) => {
      if (!(error instanceof RunInterruptedError)) throw error;
      process.stderr.write(`stepfleet run: ${error.message}\n`);
      return undefined;
    });
    // 130: the shell's code for a command ended by Ctrl-C.
    if (!outcome) return 130;
    return outcome.status === 'SUCCEEDED' ? 0 : 1;
  },
};

export default run;

/** Loads the job and builds its plan; a bad job or option is a usage error (exit code 2). */
async function planJob(job: string, options: JobRunOptions): Promise<JobPlan> {
  try {
    const module = await loadJobModule(job);
    return await module.plan(options);
  } catch (error) {
    const name = (error as Error).name;
    if (error instanceof JobModuleError || error instanceof RangeError)
      throw new UsageError((error as Error).message);
    if (name === 'JobSpecError' || name === 'Input.Invalid' || name === 'InvalidSimulationInputError')
      throw new UsageError(`invalid options for ${job}: ${(error as Error).message}`);
    throw error;
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
