/**
 * The progress view as a pure function of a snapshot: the terminal lines, the plain log line,
 * and the display's two modes (redrawn in place on a TTY, plain lines elsewhere).
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { ProgressDisplay } from '../src/progress-display.ts';
import { type ProgressSnapshot, RateTracker } from '../src/progress-snapshot.ts';
import { formatDuration, renderProgress, renderProgressLine } from '../src/progress-view.ts';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
/** Whether text holds an ANSI escape sequence. */
const hasAnsi = (text: string) => text.includes('\x1b[');

/** A run 95 s in: 6,000 of 20,000 items, one batch retried after a heartbeat timeout. */
const running: ProgressSnapshot = {
  name: 'run-1',
  stateMachine: 'monte-carlo',
  status: 'RUNNING',
  phase: 'ProcessItems',
  startedAtMs: T0,
  atMs: T0 + 95_000,
  items: {
    pending: 12_000,
    running: 2_000,
    succeeded: 5_800,
    failed: 200,
    timedOut: 0,
    aborted: 0,
    total: 20_000,
  },
  batches: { pending: 60, running: 10, succeeded: 29, failed: 1, timedOut: 0, aborted: 0, total: 100 },
  mapRunStatus: 'RUNNING',
  failures: { 'States.HeartbeatTimeout': 2, 'Input.Invalid': 1 },
  fleet: { desired: 4, running: 3, pending: 1 },
  itemsPerSecond: 125.4,
  etaMs: 112_000,
};

describe('renderProgress (terminal)', () => {
  test('GIVEN a running snapshot WHEN rendered THEN every number of the view is there', () => {
    const text = renderProgress(running, { columns: 120 }).join('\n');

    assert.match(text, /^monte-carlo {2}RUNNING {2}ProcessItems {2}elapsed 1:35 {2}run-1\n/);
    assert.match(text, /6,000 \/ 20,000 {2}30%/);
    assert.match(text, /125\/s {2}ETA 1:52/);
    assert.match(text, /batches {2}29 \/ 100 done, 10 running, 60 pending, 1 failed/);
    assert.match(text, /workers {2}3 running of 4 desired, 1 starting/);
    assert.match(text, /failures States\.HeartbeatTimeout ×2, Input\.Invalid ×1/);
    assert.ok(!hasAnsi(text), 'no colour unless asked');
  });

  test('GIVEN a narrow terminal WHEN rendered THEN no line is wider than it, colours or not', () => {
    for (const color of [false, true]) {
      for (const line of renderProgress(running, { columns: 50, color })) {
        assert.ok(stripVTControlCharacters(line).length <= 50, `too wide: ${line}`);
      }
    }
  });

  test('GIVEN a run before its Map Run WHEN rendered THEN it says so and shows no bar', () => {
    const text = renderProgress({
      ...running,
      phase: 'ScaleUp',
      items: undefined,
      batches: undefined,
      failures: {},
    }).join('\n');

    assert.match(text, /waiting for the Map Run/);
    assert.match(text, /failures none/);
    assert.doesNotMatch(text, /batches/);
  });

  test('GIVEN a failed run WHEN rendered THEN its error and cause are shown, the clock stopped at its end', () => {
    const failed: ProgressSnapshot = {
      ...running,
      status: 'FAILED',
      stoppedAtMs: T0 + 61_000,
      atMs: T0 + 500_000,
      error: 'States.ExceedToleratedFailureThreshold',
      cause: 'The Map Run failed:\n  too many failures',
    };
    const text = renderProgress(failed, { columns: 200 }).join('\n');

    assert.match(text, /^monte-carlo {2}FAILED {2}elapsed 1:01 {2}run-1\n/);
    assert.match(
      text,
      /error {4}States\.ExceedToleratedFailureThreshold: The Map Run failed: too many failures/,
    );
    assert.doesNotMatch(text, /ETA/, 'no ETA once the run is over');
  });
});

describe('renderProgressLine (logs)', () => {
  test('GIVEN a running snapshot WHEN rendered as a line THEN it is one plain line with the numbers', () => {
    const line = renderProgressLine(running);

    assert.equal(
      line,
      '[1:35] · ProcessItems · items 6000/20000 (30%) · batches 29 / 100 done, 10 running, 60 pending, 1 failed · 125 items/s · ETA 1:52 · workers 3/4 · failures States.HeartbeatTimeout ×2, Input.Invalid ×1',
    );
    assert.ok(!hasAnsi(line) && !/[\n\r]/.test(line));
  });

  test('GIVEN a succeeded run WHEN rendered as a line THEN the status replaces the phase', () => {
    assert.match(
      renderProgressLine({ ...running, status: 'SUCCEEDED', stoppedAtMs: T0 + 3_723_000, failures: {} }),
      /^\[1:02:03\] · SUCCEEDED · items/,
    );
  });
});

describe('ProgressDisplay', () => {
  test('GIVEN a stream that is not a TTY WHEN snapshots come THEN plain lines only at phase changes, every few seconds and at the end', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk) => (text += chunk));
    const display = new ProgressDisplay(out, { plainEveryMs: 5000 });
    const at = (s: number, extra: Partial<ProgressSnapshot> = {}) => ({
      ...running,
      atMs: T0 + s * 1000,
      ...extra,
    });

    display.update(at(0, { phase: 'ScaleUp' }));
    display.update(at(1, { phase: 'ScaleUp' }));
    display.update(at(2));
    display.update(at(3));
    display.update(at(7.5));
    display.update(at(8, { status: 'SUCCEEDED', stoppedAtMs: T0 + 8000 }));
    display.close();

    const lines = text.trimEnd().split('\n');
    assert.deepEqual(
      lines.map((l) => l.slice(0, 20)),
      ['[0:00] · ScaleUp · i', '[0:02] · ProcessItem', '[0:08] · ProcessItem', '[0:08] · SUCCEEDED ·'],
    );
    assert.ok(!hasAnsi(text));
  });

  test('GIVEN a TTY WHEN snapshots come THEN the view is redrawn in place (cursor up, lines cleared) and the cursor restored', () => {
    const out = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
    let text = '';
    out.on('data', (chunk) => (text += chunk));
    const display = new ProgressDisplay(out, { redrawMs: 10_000 });

    display.update(running);
    const first = text;
    display.update({ ...running, atMs: running.atMs + 1000 });
    display.log('a message');
    display.close();

    const lines = renderProgress(running, { columns: 99, color: true }).length;
    assert.ok(first.startsWith('\x1b[?25l'), 'the cursor is hidden while drawing');
    assert.ok(text.includes(`\x1b[${lines}F`), 'the second draw moves up over the first');
    assert.ok(text.includes('\x1b[K\n'), 'each line is cleared to its end, not the whole screen');
    assert.ok(
      text.indexOf('a message\n') > text.indexOf(`\x1b[${lines}F\x1b[J`),
      'a message erases the view first',
    );
    assert.ok(text.endsWith('\x1b[?25h'), 'the cursor is shown again at the end');
    assert.ok(!text.includes('\x1b[2J'), 'never a full-screen clear');
  });
});

describe('RateTracker and formatDuration', () => {
  test('GIVEN samples over time WHEN added THEN the rate follows the window and the ETA the remainder', () => {
    const rate = new RateTracker(10_000);
    assert.deepEqual(rate.add(0, 0, 1000), {});
    assert.deepEqual(rate.add(2000, 100, 1000), { itemsPerSecond: 50, etaMs: 18_000 });
    rate.add(12_000, 200, 1000);
    // The first sample left the window: the rate is now over 2 s..14 s.
    assert.deepEqual(rate.add(14_000, 400, 1000), { itemsPerSecond: 25, etaMs: 24_000 });
  });

  test('GIVEN durations WHEN formatted THEN m:ss below an hour, h:mm:ss from one', () => {
    assert.equal(formatDuration(0), '0:00');
    assert.equal(formatDuration(59_499), '0:59');
    assert.equal(formatDuration(61_000), '1:01');
    assert.equal(formatDuration(3_600_000), '1:00:00');
  });
});
