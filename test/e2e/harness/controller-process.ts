/**
 * A real `stepfleet controller` process for the fault suite: started on a fleets file, its
 * decision lines (JSON on stdout) collected, killed with a real signal.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { FleetConfigInput } from '@stepfleet/controller';

const BIN = fileURLToPath(new URL('../../../packages/cli/bin/stepfleet.js', import.meta.url));

/** A running controller process. */
export interface ControllerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The decision lines it has logged so far. */
  readonly decisions: Record<string, unknown>[];
  /** Waits for a decision matching `check`. */
  until(
    check: (decision: Record<string, unknown>) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<Record<string, unknown>>;
  /** Sends `signal` and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Writes the fleets file the controller reads. */
export async function writeFleetsFile(path: string, fleets: readonly FleetConfigInput[]): Promise<void> {
  await writeFile(path, JSON.stringify(fleets));
}

/** Starts `stepfleet controller --fleets <file>` with this process's environment (the backend's endpoint). */
export function startControllerProcess(fleetsFile: string, intervalSeconds: number): ControllerProcess {
  const child = spawn(
    process.execPath,
    [BIN, 'controller', '--fleets', fleetsFile, '--interval', String(intervalSeconds), '--cooldown', '0'],
    { env: { ...process.env, STEPFLEET_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const decisions: Record<string, unknown>[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines)
      if (line.startsWith('{')) decisions.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr!.resume();
  const exited = once(child, 'exit');
  return {
    child,
    pid: child.pid!,
    decisions,
    async until(check, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = decisions.find(check);
        if (found) return found;
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`the controller did not log ${what} within ${timeoutMs} ms`);
        }
        await sleep(25);
      }
    },
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
