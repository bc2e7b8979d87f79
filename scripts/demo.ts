/**
 * `npm run demo`: the Monte Carlo stress test on this machine, which is exactly
 * `stepfleet run monte-carlo` with the demo's defaults (see packages/cli/src/jobs/monte-carlo.ts):
 * the local backend starts, a synthetic portfolio is written to its S3, the controller scales
 * local workers 0 → N → 0, the progress view runs to the end, then the risk table per scenario
 * and the report in out/.
 *
 *   npm run demo                          the default size (about a minute or two on 2 cores)
 *   npm run demo -- --loans 200000        a bigger portfolio (any `stepfleet run` option works:
 *   npm run demo -- --draws 20000           --seed, --batch, --workers, --stop-on-exit, --plain, ...)
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../packages/cli/bin/stepfleet.js', import.meta.url));
/** The demo's own names for the job's generic options. */
const ALIASES: Readonly<Record<string, string>> = { '--loans': '--items', '--draws': '--size' };

const args = process.argv.slice(2).map((arg) => {
  const [name, value] = arg.split('=', 2) as [string, string | undefined];
  const alias = ALIASES[name];
  return alias ? (value === undefined ? alias : `${alias}=${value}`) : arg;
});

// The CLI is the demo: one code path. The same Node and NODE_OPTIONS run it.
const child = spawn(process.execPath, [BIN, 'run', 'monte-carlo', ...args], { stdio: 'inherit' });
// Ctrl-C reaches the whole foreground group: the CLI handles it (asks, stops, cleans up); the
// demo only waits for it.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
const [code, signal] = (await new Promise((resolve) => child.once('exit', (c, s) => resolve([c, s])))) as [
  number | null,
  NodeJS.Signals | null,
];
process.exitCode = code ?? (signal ? 128 + 2 : 1);
