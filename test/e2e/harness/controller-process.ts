/**
 * A real `stepfleet controller` process for the fault suite: started on a fleets file, its
 * decision lines (JSON on stdout) collected, killed with a real signal; and the outage a
 * scenario injects with it (SIGKILLed mid-run, the fleet drifted, restarted).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { FleetConfigInput } from '@stepfleet/controller';
import type { JobSpec } from '@stepfleet/job';
import type { LocalBackend } from '@stepfleet/local';
import type { LocalRunContext } from 'stepfleet';
import { assertNoProcessLeft } from './fault-suite.ts';
import { signalPids, untilTasksHeld } from './worker-signals.ts';

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

/** What {@link controllerOutage} did: the controller started after the kill, and its repair. */
export interface ControllerOutage {
  /** Workers SIGKILLed while the controller was down. */
  readonly workersLost: number;
  readonly restarted: ControllerProcess;
  /** The restarted controller's first reconcile decision on the run's fleet. */
  readonly repair: Record<string, unknown>;
}

/** The controller processes a test file starts, and a directory for their fleets files. */
export interface ControllerRegistry {
  /** A fleets file path of its own for `name`. */
  fleetsFile(name: string): string;
  /** Adds a started controller, for {@link ControllerRegistry.close}. */
  track(controller: ControllerProcess): void;
  /** SIGKILLs every controller still running, checks none is left, removes the directory. */
  close(): Promise<void>;
}

/** A registry for one test file (call its `close` in `after`). */
export async function controllerRegistry(): Promise<ControllerRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'stepfleet-faults-'));
  const controllers: ControllerProcess[] = [];
  return {
    fleetsFile: (name) => join(dir, `${name}-fleets.json`),
    track: (controller) => controllers.push(controller),
    async close() {
      for (const controller of controllers) await controller.kill('SIGKILL');
      assertNoProcessLeft(
        controllers.map((c) => c.pid),
        'controller',
      );
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Options of {@link controllerOutage}. */
export interface ControllerOutageOptions {
  /** Where the controllers go (and their fleets file). */
  readonly controllers: ControllerRegistry;
  /** The run's job (its fleet's size and batching). */
  readonly spec: JobSpec;
}

/**
 * Injected once the run has started (run it with the in-process reconcile off): a `stepfleet
 * controller` process watches the run's fleet; once batches are running it is SIGKILLed (no
 * cleanup of any kind); while it is down the fleet drifts to 0 (a manual change, a stray scale
 * step) and its workers are lost (SIGKILL), so the run cannot end until a controller brings the
 * fleet back (busy workers would otherwise keep their scale-in protection and finish a short run
 * alone, and the repair would be a race); then a new one starts, and this resolves at its first
 * reconcile decision on the fleet.
 */
export async function controllerOutage(
  backend: LocalBackend,
  context: LocalRunContext,
  options: ControllerOutageOptions,
): Promise<ControllerOutage> {
  const { cluster, service, stateMachineArn } = context.deployment;
  const { spec, controllers } = options;
  const fleetsFile = controllers.fleetsFile(service);
  await writeFleetsFile(fleetsFile, [
    {
      cluster,
      service,
      stateMachineArns: [stateMachineArn],
      maxWorkers: spec.fleet.maxWorkers,
      slotsPerWorker: spec.worker.threads,
      itemsPerBatch: spec.batching.maxItems,
      tailBatches: 1,
    },
  ]);
  const first = startControllerProcess(fleetsFile, 0.5);
  controllers.track(first);
  await first.until((d) => d.event === 'start', 15_000, 'its start');
  await untilTasksHeld(backend, context);
  await first.kill('SIGKILL');
  await context.clients.ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: 0 }));
  const alive = backend.ecs.observations
    .tasks({ service })
    .flatMap((task) => (task.pid !== undefined && task.stoppedAtMs === undefined ? [task.pid] : []));
  const workersLost = signalPids(alive, 'SIGKILL');
  const restarted = startControllerProcess(fleetsFile, 0.5);
  controllers.track(restarted);
  // A decision is logged when it changes the fleet: the restarted controller repairs the drift.
  const fleet = `${cluster}/${service}`;
  const repair = await restarted.until(
    (d) => d.event === 'reconcile' && d.fleet === fleet,
    15_000,
    'a repair of the drift after the restart',
  );
  return { workersLost, restarted, repair };
}

/**
 * Checks the outage was repaired: workers were lost, the restarted controller saw the drifted
 * fleet at 0 and scaled it back up for the open run; then stops it with SIGTERM, which must exit
 * 0. Returns the restarted controller's reconcile decisions.
 */
export async function assertOutageRepaired(outage: ControllerOutage | undefined): Promise<number> {
  assert.ok(outage, 'the controller was killed, restarted, and reconciled');
  const { restarted, repair } = outage;
  assert.ok(outage.workersLost > 0, 'the fleet was lost while the controller was down');
  assert.equal((repair.current as { desiredCount: number }).desiredCount, 0, 'it saw the drifted fleet');
  assert.ok(
    Number(repair.target) >= 1,
    `it scaled the fleet back up for the open run (target ${repair.target})`,
  );
  const reconciles = restarted.decisions.filter((d) => d.event === 'reconcile').length;
  await restarted.kill('SIGTERM');
  assert.equal(restarted.child.exitCode, 0, 'SIGTERM stops the restarted controller cleanly');
  return reconciles;
}
