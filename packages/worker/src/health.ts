/**
 * The health check a container HEALTHCHECK can call: unhealthy when the main thread's event
 * loop is stalled or polling is stuck. Served on `GET /health` (200 / 503) and/or written
 * every second to a file that `stepfleet worker --health` reads (a stale file means a stalled loop).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { WorkerState } from './lifecycle.ts';

/** The health of a worker at one moment. */
export interface HealthStatus {
  readonly healthy: boolean;
  readonly state: WorkerState;
  /** Why it is unhealthy (empty when healthy). */
  readonly reasons: readonly string[];
  readonly slotsBusy: number;
  readonly slotsFree: number;
  readonly eventLoopLagMaxMs: number;
  /** When this status was computed, ms since the epoch. */
  readonly checkedAt: number;
}

/** What the check reads from the worker. */
export interface HealthContext {
  state(): WorkerState;
  pollers(): readonly { readonly inFlightSince: number | null; readonly lastOkAt: number }[];
  slotsBusy(): number;
  slotsFree(): number;
  eventLoopLagMaxMs(): number;
  /** Event-loop delay above which the worker is unhealthy. */
  readonly eventLoopStallMs: number;
  /** A poll open longer than this, or no successful poll for this long with a free slot, is stuck. */
  readonly pollStuckMs: number;
}

/** Computes the health status now. */
export function checkHealth(ctx: HealthContext, now = Date.now()): HealthStatus {
  const state = ctx.state();
  const reasons: string[] = [];
  if (state === 'FAILED' || state === 'STOPPED') reasons.push(`worker is ${state}`);
  const lag = ctx.eventLoopLagMaxMs();
  if (lag > ctx.eventLoopStallMs) reasons.push(`event loop stalled ${Math.round(lag)} ms`);
  if (state === 'RUNNING') {
    const pollers = ctx.pollers();
    const stuck = pollers.filter((p) => p.inFlightSince !== null && now - p.inFlightSince > ctx.pollStuckMs);
    if (stuck.length > 0) reasons.push(`${stuck.length} poll(s) open longer than ${ctx.pollStuckMs} ms`);
    const lastOk = Math.max(0, ...pollers.map((p) => p.lastOkAt));
    const polling = pollers.some((p) => p.inFlightSince !== null);
    if (ctx.slotsFree() > 0 && !polling && now - lastOk > ctx.pollStuckMs) {
      reasons.push(`no successful poll for ${now - lastOk} ms with a free slot`);
    }
  }
  return {
    healthy: reasons.length === 0,
    state,
    reasons,
    slotsBusy: ctx.slotsBusy(),
    slotsFree: ctx.slotsFree(),
    eventLoopLagMaxMs: Math.round(lag),
    checkedAt: now,
  };
}

/** Serves and/or writes the health status until closed. */
export class HealthReporter {
  #server: Server | undefined;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #check: (() => HealthStatus) | undefined;
  #file: string | null = null;

  /** Starts the HTTP endpoint (`port`, null for none) and the file writer (`file`, null for none). */
  async start(check: () => HealthStatus, port: number | null, file: string | null): Promise<number | null> {
    this.#check = check;
    this.#file = file;
    if (file !== null) {
      await this.#write(check());
      this.#timer = setInterval(() => {
        if (!this.#writing) this.#writing = this.#write(check()).finally(() => (this.#writing = undefined));
      }, HEALTH_FILE_INTERVAL_MS);
      this.#timer.unref();
    }
    if (port === null) return null;
    const server = createServer((req, res) => {
      if (req.url !== '/health' && req.url !== '/') {
        res.writeHead(404).end();
        return;
      }
      const status = check();
      res
        .writeHead(status.healthy ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify(status));
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '0.0.0.0', () => resolve());
    });
    server.unref();
    const address = server.address();
    return typeof address === 'object' && address ? address.port : null;
  }

  /** Stops serving; the file is left saying the worker stopped (so a check fails at once). */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    // A periodic write still in flight must not land after (and over) the final status.
    await this.#writing;
    if (this.#file !== null && this.#check) {
      await this.#write({ ...this.#check(), healthy: false, reasons: ['worker stopped'] });
    }
    const server = this.#server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Writes the status atomically (temp file + rename), so a reader never sees half of it. */
  async #write(status: HealthStatus): Promise<void> {
    if (this.#file === null) return;
    try {
      await writeFile(`${this.#file}.tmp`, JSON.stringify(status));
      await rename(`${this.#file}.tmp`, this.#file);
    } catch {
      // A full or read-only disk must not take the worker down; the stale file says unhealthy.
    }
  }
}

/** How often the health file is rewritten. */
export const HEALTH_FILE_INTERVAL_MS = 1_000;

/**
 * Reads a health file as a HEALTHCHECK would: healthy only when the file says so and is
 * fresh (rewritten within `maxAgeMs`; a stalled event loop stops rewriting it).
 */
export async function readHealthFile(
  file: string,
  maxAgeMs = 10 * HEALTH_FILE_INTERVAL_MS,
  now = Date.now(),
): Promise<{ healthy: boolean; reason: string; status?: HealthStatus }> {
  let status: HealthStatus;
  try {
    status = JSON.parse(await readFile(file, 'utf8')) as HealthStatus;
  } catch (error) {
    return { healthy: false, reason: `cannot read ${file}: ${(error as Error).message}` };
  }
  if (now - status.checkedAt > maxAgeMs) {
    return {
      healthy: false,
      reason: `status is ${now - status.checkedAt} ms old (event loop stalled or worker gone)`,
      status,
    };
  }
  if (!status.healthy) return { healthy: false, reason: status.reasons.join('; '), status };
  return { healthy: true, reason: 'ok', status };
}
