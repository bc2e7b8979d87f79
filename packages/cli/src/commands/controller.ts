import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SFNClient } from '@aws-sdk/client-sfn';
import {
  createController,
  type FleetConfigInput,
  resolveFleetConfig,
  runReconcileLoop,
} from '@stepfleet/controller';
import { integerOption, positiveOption } from '../args.ts';
import { type Command, UsageError } from '../command.ts';

const USAGE = `Usage: stepfleet controller [--fleets FILE] [--interval SECONDS] [--cooldown SECONDS]
                            [--idle-grace SECONDS] [--endpoint URL]

Runs the fleet controller's reconcile loop: every interval it reads the open executions and
Map Runs of each fleet's state machines and sets the ECS service's desired count to what they
need (0 when nothing is open). Every decision is logged as a JSON line with its inputs.

Options:
  --fleets FILE        JSON array of fleets: { cluster, service, stateMachineArns, maxWorkers,
                       minWorkers?, slotsPerWorker?, itemsPerBatch?, tailBatches? }
                       (default: the STEPFLEET_FLEETS environment variable)
  --interval S         seconds between reconcile passes (default 10)
  --cooldown S         seconds lower demand must last before scaling in (default 30)
  --idle-grace S       seconds with no open run before scaling to 0 (default 0)
  --endpoint URL       AWS endpoint, e.g. the local backend (default: AWS_ENDPOINT_URL or AWS)

Decisions are logged at STEPFLEET_LOG_LEVEL (default info). Runs until SIGINT or SIGTERM.`;

/** `stepfleet controller`: the long-running reconcile loop. */
const controller: Command = {
  summary: 'run the fleet controller reconcile loop (scales ECS services to open Map Runs)',
  usage: USAGE,
  async run(args) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        fleets: { type: 'string' },
        interval: { type: 'string' },
        cooldown: { type: 'string' },
        'idle-grace': { type: 'string' },
        endpoint: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    const raw =
      values.fleets === undefined ? process.env.STEPFLEET_FLEETS : await readFleetsFile(values.fleets);
    const fleets = parseFleets(raw, values.fleets ?? 'STEPFLEET_FLEETS');
    const intervalMs =
      1000 * (values.interval === undefined ? 10 : positiveOption('--interval', values.interval));
    const cooldownMs =
      1000 * (values.cooldown === undefined ? 30 : integerOption('--cooldown', values.cooldown, 0));
    const graceMs =
      1000 *
      (values['idle-grace'] === undefined ? 0 : integerOption('--idle-grace', values['idle-grace'], 0));
    const clientConfig = values.endpoint ? { endpoint: values.endpoint } : {};
    const instance = createController({
      sfn: new SFNClient(clientConfig),
      ecs: new ECSClient(clientConfig),
      fleets,
      scaleInCooldownMs: cooldownMs,
      idleGraceMs: graceMs,
    });
    const stop = new AbortController();
    const loop = runReconcileLoop(instance, {
      intervalMs,
      signal: stop.signal,
      onError: (error) =>
        process.stderr.write(`stepfleet controller: reconcile failed: ${(error as Error).message}\n`),
    });
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    stop.abort();
    await loop;
    return 0;
  },
};

export default controller;

async function readFleetsFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read --fleets ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

function parseFleets(raw: string | undefined, source: string): FleetConfigInput[] {
  if (!raw) throw new UsageError('no fleets: pass --fleets FILE or set STEPFLEET_FLEETS');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new UsageError(`${source} is not valid JSON`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0)
    throw new UsageError(`${source} must be a non-empty JSON array of fleets`);
  for (const fleet of parsed) {
    try {
      resolveFleetConfig(fleet as FleetConfigInput);
    } catch (error) {
      throw new UsageError(`${source}: ${(error as Error).message}`);
    }
  }
  return parsed as FleetConfigInput[];
}
