/**
 * The per-file scan and the reduce step against a straightforward reference on generated data:
 * the scanner gives the reference's monthly maxima whatever the chunking (bytes split anywhere,
 * CRLF line ends); each kind of corrupt file fails with its key, line and problem; the reduce
 * step gives the reference's table in any order of files, counts a retried file once, and
 * names failures by key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CORRUPTION_KINDS, corruptCsv } from '../src/corruption.ts';
import { objectBody, planDataset } from '../src/dataset.ts';
import { CorruptStationFileError } from '../src/errors.ts';
import { scanStationFile } from '../src/monthly-max.ts';
import { MonthlyMaxima, resultCsv, WEATHER_RESULT_FORMAT } from '../src/monthly-maxima.ts';
import { createRandom } from '../src/rng.ts';
import { stationYearCsv } from '../src/station-file.ts';
import { generateStation } from '../src/stations.ts';
import { referenceMonthlyMaxima, referenceStationMonths } from './reference.ts';

/** `bytes` cut into chunks of random sizes (1 to 700 bytes), as a network stream may deliver them. */
function* randomChunks(bytes: Uint8Array, seed: number): Generator<Uint8Array> {
  const random = createRandom(seed, 'chunks');
  for (let at = 0; at < bytes.length; ) {
    const size = random.int(1, 700);
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

test('the scanner gives the reference maxima per station and month, however the bytes are chunked', async () => {
  for (let s = 0; s < 12; s++) {
    // GIVEN a generated station file (two years of one station in turn)
    const station = generateStation('mm', s);
    const csv = stationYearCsv('mm', station, 2019 + (s % 2));
    const bytes = new TextEncoder().encode(csv);
    // WHEN scanned in random chunks, and with CRLF line ends
    const got = await scanStationFile(`k/${s}`, randomChunks(bytes, s));
    const crlf = await scanStationFile(`k/${s}`, [new TextEncoder().encode(csv.replaceAll('\n', '\r\n'))]);
    // THEN the months equal the reference's
    const expected = [...referenceStationMonths(csv)].map(([month, m]) => ({ month, ...m }));
    assert.deepEqual(got.months, expected);
    assert.deepEqual(crlf, got);
    assert.equal(got.station, station.id);
    assert.equal(got.key, `k/${s}`);
    assert.equal(got.rows, csv.trimEnd().split('\n').length - 1);
    assert.equal(got.months.length, 12);
  }
});

test('quality-flagged values and ties: flagged spikes are skipped, the earliest day wins a tie', async () => {
  const header = 'ID,DATE,ELEMENT,DATA_VALUE,M_FLAG,Q_FLAG,S_FLAG,OBS_TIME';
  const rows = [
    'USW00000001,20200710,TMAX,351,,,W,2400',
    'USW00000001,20200703,TMAX,351,,,W,2400',
    'USW00000001,20200704,TMAX,699,,X,W,2400',
    'USW00000001,20200705,TMIN,400,,,W,2400',
  ];
  const got = await scanStationFile('t.csv', [new TextEncoder().encode(`${header}\n${rows.join('\n')}`)]);
  assert.deepEqual(got.months, [{ month: '2020-07', tmax: 351, date: '20200703' }]);
  assert.equal(got.flaggedValues, 1);
  assert.equal(got.tmaxValues, 2);
  // A header-only file is a station with no data, not an error.
  const empty = await scanStationFile('h.csv', [new TextEncoder().encode(`${header}\n`)]);
  assert.deepEqual([empty.station, empty.rows, empty.months], [null, 0, []]);
});

test('each kind of corrupt file fails with its key, where, and what is wrong', async () => {
  const csv = stationYearCsv('mm', generateStation('mm', 1), 2020);
  const expected: Record<string, RegExp> = {
    'malformed-row': /^bad\/malformed-row\.csv: line \d+: expected 8 fields, got 6: ".*,[A-Z]{4},n\/a,,"$/,
    truncated: /^bad\/truncated\.csv: line \d+: expected 8 fields, got 4 \(the object is truncated\)/,
    binary: /^bad\/binary\.csv: binary data: a NUL byte at byte \d+$/,
    'wrong-header': /^bad\/wrong-header\.csv: line 1: the header is not GHCN-Daily's .*got "\\"STATION\\"/,
    empty: /^bad\/empty\.csv: empty object \(0 bytes\)$/,
  };
  for (const kind of CORRUPTION_KINDS) {
    const key = `bad/${kind}.csv`;
    await assert.rejects(scanStationFile(key, randomChunks(corruptCsv(csv, kind, 'mm', key), 9)), (error) => {
      assert.ok(error instanceof CorruptStationFileError, kind);
      assert.equal(error.name, 'Weather.CorruptFile');
      assert.match(error.message, expected[kind]!);
      return true;
    });
  }
  const lines = (body: string) => scanStationFile('x.csv', [new TextEncoder().encode(body)]);
  const head = 'ID,DATE,ELEMENT,DATA_VALUE,M_FLAG,Q_FLAG,S_FLAG,OBS_TIME\n';
  await assert.rejects(
    lines(`${head}USW00000001,20200230,TMAX,1,,,W,\n`),
    /line 2: DATE "20200230" is not a YYYYMMDD date/,
  );
  await assert.rejects(
    lines(`${head}USW00000001,20200201,TMAX,1,,,W,\nUSW00000002,20200202,TMAX,1,,,W,\n`),
    /line 3: ID USW00000002 differs/,
  );
  await assert.rejects(lines(`${head}${'9'.repeat(5000)}`), /a line longer than 4096 bytes/);
  await assert.rejects(
    scanStationFile('u.csv', [new Uint8Array([...new TextEncoder().encode(head), 0xc3, 0x28, 0x0a])]),
    /u\.csv: line 2: not UTF-8 text/,
  );
});

test('the reduce step gives the reference table in any order, counts a retried file once, names failures', async () => {
  // GIVEN 25 stations over 2 years, 4 corrupt and 2 missing objects
  const plan = planDataset({ stations: 25, years: 2, seed: 'agg', corrupt: 4, missing: 2 });
  const scanned = [];
  for (const o of plan.objects.filter((x) => x.fate === 'valid')) {
    scanned.push(await scanStationFile(o.key, [objectBody(plan, o)!]));
  }
  const failures = plan.objects
    .filter((o) => o.fate !== 'valid')
    .map((o) => ({
      key: o.key,
      error: o.fate === 'missing' ? 'Weather.MissingFile' : 'Weather.CorruptFile',
      message: o.fate,
    }));
  // WHEN reduced in two orders, the second with a file seen twice (a retried batch) and a failure repeated
  const forward = new MonthlyMaxima();
  for (const f of failures) forward.addFailure(f);
  for (const s of scanned) forward.addStationFile(s);
  const backward = new MonthlyMaxima();
  for (const s of [...scanned].reverse()) backward.addStationFile(s);
  backward.addStationFile(scanned[3]!);
  for (const f of [...failures].reverse()) backward.addFailure(f);
  backward.addFailure(failures[0]!);
  // A file that failed in one attempt and succeeded in another counts as succeeded.
  backward.addFailure({ key: scanned[0]!.key, error: 'Worker.Crashed', message: 'x' });
  const a = forward.finish();
  const b = backward.finish();
  // THEN both equal the reference, byte for byte
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  assert.equal(a.format, WEATHER_RESULT_FORMAT);
  assert.deepEqual(
    a.months.map(({ tmaxC: _, ...m }) => m),
    referenceMonthlyMaxima(plan),
  );
  assert.equal(a.months.length, 24);
  assert.deepEqual(a.files, { total: 50, succeeded: 44, failed: 6 });
  assert.equal(a.failedPercentage, 12);
  assert.deepEqual(
    a.failed.map((f) => f.key),
    failures.map((f) => f.key).sort(),
  );
  assert.equal(a.stations, new Set(scanned.map((s) => s.station)).size);
  const csv = resultCsv(a).split('\n');
  assert.equal(csv[0], 'month,tmax_c,station,date,stations');
  assert.equal(
    csv[1],
    `${a.months[0]!.month},${a.months[0]!.tmaxC.toFixed(1)},${a.months[0]!.station},${a.months[0]!.date},${a.months[0]!.stations}`,
  );
});
