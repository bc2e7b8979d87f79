/**
 * The shape of one `stepfleet <name>` subcommand. Each lives in `commands/<name>.ts` and is
 * registered by one line in `main.ts`.
 */
export interface Command {
  /** One line for the command list in `stepfleet --help`. */
  readonly summary: string;
  /** The full usage text, printed by `stepfleet <name> --help` and after a usage error. */
  readonly usage: string;
  /** Runs the command with the arguments after its name; resolves with the exit code. */
  run(args: readonly string[]): Promise<number>;
}

/** Bad arguments: main prints the message and the command's usage on stderr, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit code for a usage error, as most command-line tools use. */
export const USAGE_EXIT_CODE = 2;
