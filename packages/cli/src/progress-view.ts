/**
 * The progress view, as pure functions of a {@link ProgressSnapshot}: `renderProgress` gives
 * the lines a terminal shows (redrawn in place), `renderProgressLine` the one plain line a log
 * gets. No I/O, no clock: the same snapshot always gives the same text.
 */
import { stripVTControlCharacters } from 'node:util';
import { doneCount, type MapRunCounts, type ProgressSnapshot } from './progress-snapshot.ts';

/** Options of {@link renderProgress}. */
export interface RenderOptions {
  /**
   * The terminal's width in columns; lines are cut to it.
   * @defaultValue 80
   */
  readonly columns?: number;
  /**
   * ANSI colours (bold, green, red, dim).
   * @defaultValue false
   */
  readonly color?: boolean;
}

const ANSI = { bold: '\x1b[1m', dim: '\x1b[2m', green: '\x1b[32m', red: '\x1b[31m', reset: '\x1b[0m' };

/** The multi-line view of a terminal (no trailing newline on the lines). */
export function renderProgress(s: ProgressSnapshot, options: RenderOptions = {}): string[] {
  const columns = Math.max(40, options.columns ?? 80);
  const paint = (code: keyof typeof ANSI, text: string) =>
    options.color ? `${ANSI[code]}${text}${ANSI.reset}` : text;
  const statusColor = s.status === 'SUCCEEDED' ? 'green' : s.status === 'RUNNING' ? 'bold' : 'red';
  const lines: string[] = [];
  // Most telling first: a narrow terminal cuts the execution's name, not its status.
  lines.push(
    `${paint('bold', s.stateMachine)}  ${paint(statusColor, s.status)}` +
      `${s.phase && s.status === 'RUNNING' ? `  ${s.phase}` : ''}  elapsed ${formatDuration(elapsedMs(s))}  ${s.name}`,
  );
  if (s.items) {
    const done = doneCount(s.items);
    const label = `${formatCount(done)} / ${formatCount(s.items.total)} ${percent(done, s.items.total)}`;
    const speed = [
      s.itemsPerSecond !== undefined ? `${formatRate(s.itemsPerSecond)}/s` : '',
      s.etaMs !== undefined && s.status === 'RUNNING' ? `ETA ${formatDuration(s.etaMs)}` : '',
    ]
      .filter(Boolean)
      .join('  ');
    const barWidth = Math.max(10, Math.min(40, columns - 10 - label.length - speed.length - 4));
    lines.push(`items    ${bar(done, s.items.total, barWidth)} ${label}${speed ? `  ${speed}` : ''}`);
  } else {
    lines.push(`items    ${paint('dim', 'waiting for the Map Run')}`);
  }
  if (s.batches) lines.push(`batches  ${batchText(s.batches)}`);
  if (s.fleet) {
    const pending = s.fleet.pending > 0 ? `, ${s.fleet.pending} starting` : '';
    lines.push(`workers  ${s.fleet.running} running of ${s.fleet.desired} desired${pending}`);
  }
  const failures = failureText(s.failures);
  lines.push(`failures ${failures ? paint('red', failures) : 'none'}`);
  if (s.error) lines.push(paint('red', `error    ${s.error}${s.cause ? `: ${oneLine(s.cause)}` : ''}`));
  return lines.map((line) => cut(line, columns, options.color === true));
}

/** One plain line for logs (no ANSI, no carriage return). */
export function renderProgressLine(s: ProgressSnapshot): string {
  const parts = [
    `[${formatDuration(elapsedMs(s))}]`,
    s.status === 'RUNNING' ? (s.phase ?? 'starting') : s.status,
  ];
  if (s.items) {
    const done = doneCount(s.items);
    parts.push(`items ${done}/${s.items.total} (${percent(done, s.items.total).trim()})`);
  }
  if (s.batches) parts.push(`batches ${batchText(s.batches)}`);
  if (s.itemsPerSecond !== undefined) parts.push(`${formatRate(s.itemsPerSecond)} items/s`);
  if (s.etaMs !== undefined && s.status === 'RUNNING') parts.push(`ETA ${formatDuration(s.etaMs)}`);
  if (s.fleet) parts.push(`workers ${s.fleet.running}/${s.fleet.desired}`);
  const failures = failureText(s.failures);
  if (failures) parts.push(`failures ${failures}`);
  if (s.error) parts.push(`error ${s.error}`);
  return parts.join(' · ');
}

/** `m:ss`, or `h:mm:ss` from an hour. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** The run's elapsed time: to its stop, or to the snapshot while it runs. */
function elapsedMs(s: ProgressSnapshot): number {
  return (s.stoppedAtMs ?? s.atMs) - s.startedAtMs;
}

function batchText(b: MapRunCounts): string {
  const failed = b.failed + b.timedOut + b.aborted;
  return `${formatCount(b.succeeded)} / ${formatCount(b.total)} done, ${b.running} running, ${formatCount(b.pending)} pending, ${failed} failed`;
}

/** `States.HeartbeatTimeout ×2, Worker.Interrupted ×1`, most frequent first. */
function failureText(failures: Readonly<Record<string, number>>): string {
  return Object.entries(failures)
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([name, n]) => `${name} ×${n}`)
    .join(', ');
}

function bar(done: number, total: number, width: number): string {
  const filled = total > 0 ? Math.min(width, Math.floor((done / total) * width)) : 0;
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

function percent(done: number, total: number): string {
  const p = total > 0 ? Math.floor((done / total) * 100) : 0;
  return `${String(p).padStart(3)}%`;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function formatRate(perSecond: number): string {
  return perSecond >= 100 ? formatCount(Math.round(perSecond)) : perSecond.toFixed(1);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').slice(0, 300);
}

/** Cuts a line to the terminal's width (counting visible characters only). */
function cut(line: string, columns: number, hasAnsi: boolean): string {
  const visible = hasAnsi ? stripVTControlCharacters(line) : line;
  if (visible.length <= columns) return line;
  // Cutting inside a colour code would leak it: drop colours on the rare overlong line.
  return `${visible.slice(0, columns - 1)}…`;
}
