import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { integerOption, positiveOption } from '../args.ts';
import type { Command } from '../command.ts';

const USAGE = `Usage: stepfleet local [--port 4599] [--data DIR] [--time-scale N]

Starts the local backend: Step Functions, ECS and S3 over their real wire protocols on
127.0.0.1. Point any AWS SDK client at it with AWS_ENDPOINT_URL=http://127.0.0.1:PORT.
Runs until SIGINT or SIGTERM, then stops executions, ECS tasks and the server.

Options:
  --port N          TCP port, 0 for a free one (default 4599)
  --data DIR        keep S3 objects and task logs in DIR (default: a temporary
                    directory, removed on exit)
  --time-scale N    run simulated time N times faster: timeouts, heartbeats,
                    poll windows, Wait states (default 1)

Environment:
  STEPFLEET_LOG_LEVEL   pino log level on stderr (default: silent)`;

/** `stepfleet local`: runs the local backend in the foreground until a signal. */
const local: Command = {
  summary: 'start the local backend (Step Functions, ECS, S3) on 127.0.0.1',
  usage: USAGE,
  async run(args) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        port: { type: 'string' },
        data: { type: 'string' },
        'time-scale': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    const port = values.port === undefined ? undefined : integerOption('--port', values.port, 0, 65535);
    const timeScale =
      values['time-scale'] === undefined ? undefined : positiveOption('--time-scale', values['time-scale']);
    // Loaded after the arguments are checked, so a usage error answers at once.
    const { startLocalBackend } = await import('@stepfleet/local');
    let backend: Awaited<ReturnType<typeof startLocalBackend>>;
    try {
      backend = await startLocalBackend({ port, timeScale, dataDir: values.data });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      process.stderr.write(
        `stepfleet local: port ${port ?? 4599} is already in use (pick another with --port, or --port 0)\n`,
      );
      return 1;
    }
    process.stdout.write(`stepfleet local listening on ${backend.url}\n`);
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    // A second signal while closing means "now": leave at once.
    const force = (): never => process.exit(1);
    process.once('SIGINT', force).once('SIGTERM', force);
    await backend.close();
    process.off('SIGINT', force).off('SIGTERM', force);
    return 0;
  },
};

export default local;
