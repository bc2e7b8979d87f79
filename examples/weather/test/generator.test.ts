/**
 * The dataset generator: deterministic (same seed, same bytes; any object rebuilt on its own),
 * realistic (GHCN-Daily by-station columns, plausible seasonal curves by hemisphere, TMIN below
 * TMAX, missing days, quality-flagged spikes), and damaged exactly as asked.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CORRUPTION_KINDS } from '../src/corruption.ts';
import { defaultManifestKey, objectBody, planDataset } from '../src/dataset.ts';
import { daysInYear, GHCN_HEADER } from '../src/ghcn-format.ts';
import { stationYearCsv } from '../src/station-file.ts';
import { generateStation } from '../src/stations.ts';

const text = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes);

test('the same seed gives the same bytes; another seed gives other data', () => {
  // GIVEN two plans of the same seed and one of another
  const a = planDataset({ stations: 20, years: 2, seed: 'w', corrupt: 3, missing: 2 });
  const b = planDataset({ stations: 20, years: 2, seed: 'w', corrupt: 3, missing: 2 });
  const c = planDataset({ stations: 20, years: 2, seed: 'x', corrupt: 3, missing: 2 });
  // THEN the keys, fates and every body are equal for equal seeds
  assert.deepEqual(
    a.objects.map((o) => [o.key, o.fate, o.corruption]),
    b.objects.map((o) => [o.key, o.fate, o.corruption]),
  );
  for (let i = 0; i < a.objects.length; i++) {
    assert.deepEqual(objectBody(a, a.objects[i]!), objectBody(b, b.objects[i]!));
  }
  // AND a station's file does not depend on how many stations the dataset has
  const small = planDataset({ stations: 3, seed: 'w' });
  const station = generateStation('w', 2);
  assert.equal(
    text(objectBody(small, small.objects.find((o) => o.station.id === station.id)!)),
    stationYearCsv('w', station, 2020),
  );
  // AND another seed gives other stations
  assert.notDeepEqual(
    c.objects.map((o) => o.key),
    a.objects.map((o) => o.key),
  );
});

test('station files have the GHCN-Daily by-station columns and plausible values', () => {
  let flagged = 0;
  let northSwing = 0;
  let southSwing = 0;
  for (let s = 0; s < 40; s++) {
    const station = generateStation(7, s);
    assert.match(station.id, /^[A-Z]{2}[A-Z0-9]{9}$/);
    const csv = stationYearCsv(7, station, 2021);
    const lines = csv.trimEnd().split('\n');
    assert.equal(lines[0], GHCN_HEADER);
    const tmax = new Map<string, number>();
    const tmin = new Map<string, number>();
    let lastDate = '';
    for (const line of lines.slice(1)) {
      const f = line.split(',');
      assert.equal(f.length, 8, line);
      assert.equal(f[0], station.id);
      assert.ok(f[1]! >= lastDate, 'rows are in date order');
      lastDate = f[1]!;
      assert.ok(['TMAX', 'TMIN', 'PRCP', 'SNOW'].includes(f[2]!), f[2]);
      assert.match(f[3]!, /^-?\d+$/);
      const v = Number(f[3]);
      if (f[2] === 'TMAX' && f[5] !== '') flagged++;
      else if (f[2] === 'TMAX') tmax.set(f[1]!, v);
      if (f[2] === 'TMIN') tmin.set(f[1]!, v);
      if ((f[2] === 'TMAX' || f[2] === 'TMIN') && f[5] === '')
        assert.ok(v > -700 && v < 600, `unflagged temperature ${v} in tenths of °C`);
      if (f[2] === 'PRCP') assert.ok(v >= 0 && v < 3000);
    }
    // Some days are missing, most are there.
    assert.ok(tmin.size < daysInYear(2021) && tmin.size > 300, `${tmin.size} days`);
    for (const [date, lo] of tmin)
      if (tmax.has(date)) assert.ok(lo < tmax.get(date)!, `TMIN < TMAX on ${date}`);
    // Summer is warmer than winter, in the station's own hemisphere.
    const mean = (month: string): number => {
      const v = [...tmax].filter(([d]) => d.slice(4, 6) === month).map(([, t]) => t);
      return v.reduce((x, y) => x + y, 0) / v.length;
    };
    const swing = mean('07') - mean('01');
    if (station.latitude > 30) northSwing = Math.min(northSwing || swing, swing);
    if (station.latitude < -30) southSwing = Math.max(southSwing || swing, swing);
  }
  assert.ok(
    northSwing > 50,
    `northern stations: July at least 5 °C warmer than January (least ${northSwing / 10})`,
  );
  assert.ok(southSwing < -20, `southern stations: July colder than January (least ${-southSwing / 10})`);
  assert.ok(flagged > 0, 'some TMAX values carry a quality flag');
});

test('corrupt and missing objects: exactly as many as asked, every kind in turn, listed in the plan', () => {
  const plan = planDataset({ stations: 30, seed: 3, corrupt: 7, missing: 4, prefix: 'p/' });
  const corrupt = plan.objects.filter((o) => o.fate === 'corrupt');
  assert.equal(corrupt.length, 7);
  assert.equal(plan.objects.filter((o) => o.fate === 'missing').length, 4);
  assert.deepEqual(new Set(corrupt.map((o) => o.corruption)), new Set(CORRUPTION_KINDS));
  for (const o of plan.objects) {
    const body = objectBody(plan, o);
    if (o.fate === 'missing') assert.equal(body, undefined);
    else if (o.fate === 'corrupt') assert.notEqual(text(body), stationYearCsv(3, o.station, o.year));
  }
  assert.equal(defaultManifestKey('p/'), 'p.manifest.json');
  assert.throws(
    () => planDataset({ stations: 2, seed: 1, corrupt: 3 }),
    /corrupt must be an integer in \[0, 2\]/,
  );
  assert.throws(() => planDataset({ stations: 0, seed: 1 }), /stations must be an integer/);
  assert.throws(
    () => planDataset({ stations: 2, seed: 1, corrupt: 1, corruptKinds: ['melted' as never] }),
    /unknown kind "melted"/,
  );
});
