import { parseArgs } from 'node:util';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type Command, UsageError } from '../command.ts';
import { ProgressDisplay } from '../progress-display.ts';
import { ProgressReader } from '../progress-reader.ts';
import { watchRun } from '../watch-run.ts';

const USAGE = `Usage: stepfleet status <executionArn> [--endpoint URL] [--once] [--plain]

Shows the progress view of a run already going (until it ends) or finished: items and batches
done, failures by error name, rate, ETA, the fleet's workers. Ctrl-C stops watching; the run
goes on.

Options:
  --endpoint URL   AWS endpoint, e.g. the local backend (default: AWS_ENDPOINT_URL or AWS)
  --once           print the current state once and exit
  --plain          plain line-by-line output even on a terminal

Exit code: 0 when the execution succeeded or is still running, 1 when it failed, 2 for bad
arguments.`;

const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;

/** `stepfleet status`: the progress view of an existing execution. */
const status: Command = {
  summary: 'show the progress of a run already going (or finished)',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { endpoint: { type: 'string' }, once: { type: 'boolean' }, plain: { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length !== 1) throw new UsageError('name one execution ARN');
    const executionArn = positionals[0]!;
    if (!EXECUTION_ARN.test(executionArn)) {
      throw new UsageError(
        `not an execution ARN: '${executionArn}' (arn:aws:states:<region>:<account>:execution:<machine>:<name>)`,
      );
    }
    if (values.endpoint && !/^https?:\/\/[^/\s]+/.test(values.endpoint)) {
      throw new UsageError(`--endpoint must be an http(s) URL, got '${values.endpoint}'`);
    }
    const region = executionArn.split(':')[3];
    const config = {
      ...(values.endpoint ? { endpoint: values.endpoint } : {}),
      region,
      // The local backend takes any credentials; do not make the user invent some.
      ...(values.endpoint && !process.env.AWS_ACCESS_KEY_ID
        ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
        : {}),
    };
    const sfn = new SFNClient(config);
    const ecs = new ECSClient(config);
    try {
      const reader = new ProgressReader({ sfn, ecs }, executionArn);
      const display = new ProgressDisplay(process.stdout, values.plain ? { tty: false } : {});
      if (values.once) {
        const snapshot = await reader.read({ complete: true });
        display.update(snapshot);
        display.close();
        return snapshot.status === 'RUNNING' || snapshot.status === 'SUCCEEDED' ? 0 : 1;
      }
      const { snapshot } = await watchRun({ sfn, executionArn, reader, display, onInterrupt: 'detach' });
      return snapshot.status === 'RUNNING' || snapshot.status === 'SUCCEEDED' ? 0 : 1;
    } catch (error) {
      if ((error as Error).name === 'ExecutionDoesNotExist') {
        process.stderr.write(`stepfleet status: no such execution: ${executionArn}\n`);
        return 1;
      }
      throw error;
    } finally {
      sfn.destroy();
      ecs.destroy();
    }
  },
};

export default status;
