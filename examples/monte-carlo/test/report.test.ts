import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { aggregateBatches } from '../src/aggregate.ts';
import { runBatch } from '../src/batch.ts';
import { generatePortfolio } from '../src/portfolio.ts';
import { formatMoney, formatPercent } from '../src/report/format.ts';
import { htmlReport } from '../src/report/html-report.ts';
import { exceedanceChartSvg, niceTicks } from '../src/report/svg-charts.ts';
import { formatSummaryTable, formatTextReport } from '../src/report/text-table.ts';
import { writeReport } from '../src/report/write-report.ts';
import { resolveSimulationInput } from '../src/simulation-input.ts';

const input = resolveSimulationInput({
  seed: 3,
  draws: 2000,
  scenarios: [0, { name: 'shock <&>', shockBp: 250 }],
});
const result = aggregateBatches(input, [runBatch([...generatePortfolio('report', 0, 300)], input)]);

test('the HTML report is self-contained: no script, no external URL, valid inline SVG', () => {
  const html = htmlReport(result, '2026-01-01T00:00:00Z');
  assert.doesNotMatch(html, /<script|<link|<img|@import|url\(/i);
  // The only URL is the SVG namespace.
  const urls = html.match(/https?:\/\/[^\s"'<>]+/g) ?? [];
  assert.deepEqual([...new Set(urls)], ['http://www.w3.org/2000/svg']);
  // Scenario names are escaped.
  assert.match(html, /shock &#60;&#38;&#62;/);
  assert.doesNotMatch(html, /shock <&>/);
  // Every chart is well-formed XML.
  const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
  assert.equal(svgs.length, 1 + result.scenarios.length);
  for (const svg of svgs) assert.equal(XMLValidator.validate(svg), true);
  // The same inputs give the same page.
  assert.equal(htmlReport(result, '2026-01-01T00:00:00Z'), html);
});

test('the exceedance chart draws one curve per scenario and marks VaR 99.9 %', () => {
  const svg = new XMLParser({ ignoreAttributes: false }).parse(exceedanceChartSvg(result)).svg;
  const lines = [svg.polyline].flat();
  assert.equal(lines.length, result.scenarios.length);
  for (const line of lines) {
    const points = String(line['@_points']).split(' ');
    assert.equal(points.length, result.scenarios[0]!.exceedance.length);
    for (const p of points) assert.match(p, /^\d+(\.\d)?,\d+(\.\d)?$/);
  }
});

test('the text report shows every scenario with its figures', () => {
  const table = formatSummaryTable(result).split('\n');
  assert.equal(table.length, 2 + result.scenarios.length);
  assert.match(table[2]!, new RegExp(`^base\\s+\\${formatMoney(result.scenarios[0]!.expectedLossCents)}`));
  assert.ok(table[3]!.includes(formatMoney(result.scenarios[1]!.var999Cents)));
  assert.match(formatTextReport(result), /300 loans, exposure \$[\d.]+[KMB], 2,000 draws, seed 3/);
  assert.equal(formatMoney(123_456_789), '$1.23M');
  assert.equal(formatMoney(-250), '$-2.50');
  assert.equal(formatPercent(0.00045), '0.045%');
  assert.deepEqual(niceTicks(98, 5), [0, 20, 40, 60, 80]);
});

test('writeReport writes the page, the chart and the result JSON', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mc-report-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const files = await writeReport(result, dir, 'fixed');
  assert.equal(await readFile(files.html, 'utf8'), htmlReport(result, 'fixed'));
  assert.equal(XMLValidator.validate(await readFile(files.svg, 'utf8')), true);
  assert.deepEqual(JSON.parse(await readFile(files.json, 'utf8')), JSON.parse(JSON.stringify(result)));
});
