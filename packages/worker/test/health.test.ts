/**
 * The health check: unhealthy when the event loop stalls or polling is stuck; the file a
 * container HEALTHCHECK reads through `stepfleet worker --health` goes stale when the loop stalls.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkHealth, type HealthContext, readHealthFile } from '../src/health.ts';

function context(overrides: Partial<HealthContext> = {}): HealthContext {
  return {
    state: () => 'RUNNING',
    pollers: () => [{ inFlightSince: Date.now() - 1000, lastOkAt: Date.now() - 1000 }],
    slotsBusy: () => 0,
    slotsFree: () => 2,
    eventLoopLagMaxMs: () => 20,
    eventLoopStallMs: 5_000,
    pollStuckMs: 100_000,
    ...overrides,
  };
}

test('healthy while polling; unhealthy when the loop stalls, a poll hangs or polls stop', () => {
  assert.equal(checkHealth(context()).healthy, true);
  const stalled = checkHealth(context({ eventLoopLagMaxMs: () => 6_000 }));
  assert.deepEqual([stalled.healthy, stalled.reasons], [false, ['event loop stalled 6000 ms']]);
  const hung = checkHealth(
    context({ pollers: () => [{ inFlightSince: Date.now() - 200_000, lastOkAt: 0 }] }),
  );
  assert.equal(hung.healthy, false);
  assert.match(hung.reasons.join(), /open longer than/);
  const idle = checkHealth(
    context({ pollers: () => [{ inFlightSince: null, lastOkAt: Date.now() - 200_000 }] }),
  );
  assert.match(idle.reasons.join(), /no successful poll/);
  // AND a worker whose slots are all busy is not "stuck" for not polling
  const busy = checkHealth(
    context({ slotsFree: () => 0, pollers: () => [{ inFlightSince: null, lastOkAt: Date.now() - 200_000 }] }),
  );
  assert.equal(busy.healthy, true);
});

test('the health file: healthy when fresh and healthy, unhealthy when stale, missing or unhealthy', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stepfleet-health-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'health.json');
  assert.equal((await readHealthFile(file)).healthy, false);
  await writeFile(file, JSON.stringify(checkHealth(context())));
  assert.equal((await readHealthFile(file)).healthy, true);
  assert.match((await readHealthFile(file, 10_000, Date.now() + 20_000)).reason, /old/);
  await writeFile(file, JSON.stringify(checkHealth(context({ eventLoopLagMaxMs: () => 9_000 }))));
  assert.match((await readHealthFile(file)).reason, /event loop stalled/);
});
