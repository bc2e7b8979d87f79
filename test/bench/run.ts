/**
 * `npm run bench [name-filter...]`: runs every `test/bench/*.bench.ts`, prints one table of
 * figures with their baselines, ratios and goals, and writes `test/bench/results.json`.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bench, BenchFigure } from './types.ts';

const dir = import.meta.dirname;
const filters = process.argv.slice(2);
const files = (await readdir(dir))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const figures: BenchFigure[] = [];
let failures = 0;
for (const file of files) {
  process.stderr.write(`bench ${file} ...\n`);
  const started = performance.now();
  try {
    const mod = (await import(join(dir, file))) as { default: Bench };
    const got = await mod.default();
    figures.push(...got);
    process.stderr.write(`bench ${file} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  } catch (error) {
    failures++;
    process.stderr.write(`bench ${file} FAILED: ${(error as Error).stack ?? error}\n`);
  }
}

const fmt = (n: number | null): string =>
  n === null ? '-' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);
const rows = figures.map((f) => [
  f.id,
  `${fmt(f.value)} ${f.unit}`,
  fmt(f.baseline),
  fmt(f.ratio),
  f.goal,
  f.met ? 'yes' : 'NO',
]);
const header = ['figure', 'value', 'baseline', 'ratio', 'goal', 'met'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
for (const f of figures) console.log(`  ${f.id}: ${f.what}`);
// A filtered run updates its own figures and keeps the others', so the file stays whole.
const resultsPath = join(dir, 'results.json');
const previous: BenchFigure[] =
  filters.length === 0 ? [] : await readFile(resultsPath, 'utf8').then(JSON.parse, () => []);
const fresh = new Set(figures.map((f) => f.id));
const merged = [...previous.filter((f) => !fresh.has(f.id)), ...figures].sort((a, b) =>
  a.id.localeCompare(b.id),
);
await writeFile(resultsPath, `${JSON.stringify(merged, null, 2)}\n`);
console.log(
  `\nwrote test/bench/results.json (${figures.length} measured now, ${merged.length} in all, ${failures} files failed)`,
);
process.exitCode = failures > 0 ? 1 : 0;
