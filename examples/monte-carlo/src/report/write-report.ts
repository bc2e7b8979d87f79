/**
 * Writes a result's report files into a directory (the demo's `out/`): the HTML page, the main
 * chart as SVG, and the result JSON.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PortfolioResult } from '../aggregate.ts';
import { htmlReport } from './html-report.ts';
import { exceedanceChartSvg } from './svg-charts.ts';

/** The paths {@link writeReport} wrote. */
export interface ReportFiles {
  readonly html: string;
  readonly svg: string;
  readonly json: string;
}

/** Writes `monte-carlo-report.html`, `monte-carlo-loss-exceedance.svg` and `monte-carlo-result.json`. */
export async function writeReport(
  result: PortfolioResult,
  directory = 'out',
  generatedAt?: string,
): Promise<ReportFiles> {
  const dir = resolve(directory);
  await mkdir(dir, { recursive: true });
  const files: ReportFiles = {
    html: join(dir, 'monte-carlo-report.html'),
    svg: join(dir, 'monte-carlo-loss-exceedance.svg'),
    json: join(dir, 'monte-carlo-result.json'),
  };
  await Promise.all([
    writeFile(files.html, htmlReport(result, generatedAt)),
    writeFile(files.svg, `<?xml version="1.0" encoding="UTF-8"?>\n${exceedanceChartSvg(result)}\n`),
    writeFile(files.json, `${JSON.stringify(result, null, 2)}\n`),
  ]);
  return files;
}
