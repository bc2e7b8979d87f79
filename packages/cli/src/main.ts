import { type Command, USAGE_EXIT_CODE, UsageError } from './command.ts';

/** Every subcommand, loaded only when run. Adding one is one line here plus its file. */
const COMMANDS: Readonly<Record<string, () => Promise<{ default: Command }>>> = {
  controller: () => import('./commands/controller.ts'),
  local: () => import('./commands/local.ts'),
  run: () => import('./commands/run.ts'),
  status: () => import('./commands/status.ts'),
  worker: () => import('./commands/worker.ts'),
};

const USAGE = `Usage: stepfleet <command> [options]

Run large batch jobs on AWS Step Functions Distributed Map with a fleet of ECS workers,
or on this machine against the local backend.

Commands:
{commands}

Run 'stepfleet <command> --help' for a command's options.`;

/** Runs the command line `args` (without node and the script) and resolves with the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const out = name === undefined ? process.stderr : process.stdout;
    out.write(`${await usage()}\n`);
    return name === undefined ? USAGE_EXIT_CODE : 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    process.stderr.write(`stepfleet: unknown command '${name}'\n\n${await usage()}\n`);
    return USAGE_EXIT_CODE;
  }
  const command = (await load()).default;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      process.stderr.write(`stepfleet ${name}: ${(error as Error).message}\n\n${command.usage}\n`);
      return USAGE_EXIT_CODE;
    }
    process.stderr.write(`stepfleet ${name}: ${(error as Error).stack ?? error}\n`);
    return 1;
  }
}

/** The usage text with every command's summary; a module that fails to load is listed, not fatal. */
async function usage(): Promise<string> {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = await Promise.all(
    Object.entries(COMMANDS).map(async ([name, load]) => {
      const summary = await load().then(
        (module) => module.default.summary,
        (error: unknown) => `(cannot load: ${(error as Error).message})`,
      );
      return `  ${name.padEnd(width)}  ${summary}`;
    }),
  );
  return USAGE.replace('{commands}', lines.join('\n'));
}

/** node:util parseArgs throws TypeErrors with these codes for unknown or malformed options. */
function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

// Run when loaded as the program (bin/stepfleet.js imports this module for its side effect).
process.exitCode = await main(process.argv.slice(2));
