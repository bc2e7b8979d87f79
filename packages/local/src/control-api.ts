import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector, FaultRule } from './faults.ts';
import { type ExtraRoute, readBody } from './http-router.ts';

/** What the control API reads and changes: plain data, so a test can build one directly. */
export interface ControlContext {
  readonly faults: FaultInjector;
  /** Named snapshots of each service's state (`activities`, `ecs`, ...), read on each GET. */
  readonly state: Readonly<Record<string, () => unknown>>;
}

/** Prefix of the backend's own, non-AWS endpoints. */
export const CONTROL_PREFIX = '/_stepfleet/';

/**
 * The backend's control endpoints, for tests and tools that run the backend in another process:
 *
 * - `GET /_stepfleet/state`: every service's observations (tasks and their workerName, polls
 *   of closed connections, tasks lost to them, counts) plus the fault rules and counts.
 * - `GET /_stepfleet/faults`, `PUT /_stepfleet/faults` (a JSON list of FaultRule, replacing
 *   all rules; `[]` turns faults off).
 * - `GET /_stepfleet/health`: `{"ok":true}`.
 */
export function controlRoute(ctx: ControlContext): ExtraRoute {
  return {
    prefix: CONTROL_PREFIX,
    async handle(req, res) {
      const path = (req.url ?? '').split('?')[0]!.slice(CONTROL_PREFIX.length);
      const method = req.method ?? 'GET';
      try {
        if (path === 'health' && method === 'GET') return send(res, 200, { ok: true });
        if (path === 'state' && method === 'GET') return send(res, 200, snapshot(ctx));
        if (path === 'faults' && method === 'GET') return send(res, 200, faultState(ctx.faults));
        if (path === 'faults' && method === 'PUT') {
          let rules: FaultRule[];
          try {
            rules = await readRules(req);
            ctx.faults.set(rules);
          } catch (error) {
            return send(res, 400, { error: 'BadRequest', message: (error as Error).message });
          }
          return send(res, 200, faultState(ctx.faults));
        }
        req.resume();
        return send(res, 404, {
          error: 'NotFound',
          message: `No control endpoint ${method} ${CONTROL_PREFIX}${path}`,
        });
      } catch (error) {
        return send(res, 500, { error: 'InternalError', message: (error as Error).message });
      }
    },
  };
}

function snapshot(ctx: ControlContext): Record<string, unknown> {
  const state: Record<string, unknown> = {};
  for (const [name, read] of Object.entries(ctx.state)) state[name] = read();
  state.faults = faultState(ctx.faults);
  return state;
}

function faultState(faults: FaultInjector): unknown {
  return { rules: faults.rules, counts: faults.counts };
}

async function readRules(req: IncomingMessage): Promise<FaultRule[]> {
  const body = await readBody(req, 1 << 20);
  let rules: unknown;
  try {
    rules = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Error('The body must be a JSON list of fault rules');
  }
  if (
    !Array.isArray(rules) ||
    !rules.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))
  ) {
    throw new Error('The body must be a JSON list of fault rules (objects)');
  }
  const known = [
    'service',
    'operation',
    'latencyMs',
    'jitterMs',
    'throttleRate',
    'serverErrorRate',
    'dropRate',
  ];
  for (const rule of rules as Record<string, unknown>[]) {
    const unknown = Object.keys(rule).find((k) => !known.includes(k));
    if (unknown) throw new Error(`Unknown fault rule field '${unknown}' (known: ${known.join(', ')})`);
  }
  return rules as FaultRule[];
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
