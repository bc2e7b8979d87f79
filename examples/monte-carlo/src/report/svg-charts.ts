/**
 * Self-contained SVG charts of a result: the loss exceedance curves of all scenarios on a
 * log scale (the main chart: the tail is where VaR and ES live) and one loss histogram per
 * scenario. Plain strings, no fonts or scripts from outside, so a saved page reads offline.
 */
import type { PortfolioResult, ScenarioSummary } from '../aggregate.ts';
import { escapeXml, formatMoney } from './format.ts';

/** Colour-blind-safe series colours (Okabe & Ito). */
export const SERIES_COLOURS = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#CC79A7',
  '#56B4E9',
  '#F0E442',
  '#000000',
];

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/** About `count` round tick values covering [0, max]. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = 0; t <= max * 1.0000001; t += step) ticks.push(Math.round(t / step) * step);
  return ticks;
}

interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

const plotWidth = (f: Frame): number => f.width - f.left - f.right;
const plotHeight = (f: Frame): number => f.height - f.top - f.bottom;

function svgOpen(f: Frame, title: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${escapeXml(title)}" ${FONT} font-size="12">` +
    `<title>${escapeXml(title)}</title><rect width="100%" height="100%" fill="#ffffff"/>`
  );
}

/**
 * The loss exceedance chart: P(loss > x) against x for every scenario, log-scaled from 1 down
 * to 1/M, with each scenario's VaR 99.9 % marked.
 */
export function exceedanceChartSvg(result: PortfolioResult, width = 760, height = 420): string {
  const f: Frame = { width, height, left: 70, right: 20, top: 40, bottom: 80 };
  const title = 'Loss exceedance by rate scenario';
  const xMax = Math.max(1, ...result.scenarios.map((s) => s.maxDrawLossCents));
  const decades = Math.max(1, Math.ceil(Math.log10(result.draws)));
  const x = (cents: number): number => f.left + (cents / xMax) * plotWidth(f);
  const y = (p: number): number => f.top + (-Math.log10(p) / decades) * plotHeight(f);
  const parts: string[] = [svgOpen(f, title)];
  parts.push(`<text x="${f.left}" y="22" font-size="15" font-weight="600">${title}</text>`);
  // Grid and axes.
  for (let d = 0; d <= decades; d++) {
    const yy = y(10 ** -d).toFixed(1);
    parts.push(`<line x1="${f.left}" x2="${width - f.right}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/>`);
    parts.push(
      `<text x="${f.left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle">${d === 0 ? '1' : `1e-${d}`}</text>`,
    );
  }
  for (const t of niceTicks(xMax / 100)) {
    const xx = x(t * 100).toFixed(1);
    parts.push(`<line x1="${xx}" x2="${xx}" y1="${f.top}" y2="${height - f.bottom}" stroke="#f0f0f0"/>`);
    parts.push(
      `<text x="${xx}" y="${height - f.bottom + 16}" text-anchor="middle">${formatMoney(t * 100)}</text>`,
    );
  }
  parts.push(
    `<rect x="${f.left}" y="${f.top}" width="${plotWidth(f)}" height="${plotHeight(f)}" fill="none" stroke="#888"/>`,
    `<text x="${f.left + plotWidth(f) / 2}" y="${height - f.bottom + 34}" text-anchor="middle">portfolio loss in one year</text>`,
    `<text transform="translate(16 ${f.top + plotHeight(f) / 2}) rotate(-90)" text-anchor="middle">P(loss &gt; x)</text>`,
  );
  // One step curve per scenario, from the exact order statistics the result carries.
  result.scenarios.forEach((s, k) => {
    const colour = SERIES_COLOURS[k % SERIES_COLOURS.length]!;
    const points = s.exceedance.map((e) => `${x(e.lossCents).toFixed(1)},${y(e.probability).toFixed(1)}`);
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.join(' ')}"/>`);
    parts.push(
      `<circle cx="${x(s.var999Cents).toFixed(1)}" cy="${y(0.001).toFixed(1)}" r="4" fill="${colour}"><title>${escapeXml(s.name)}: VaR 99.9% ${formatMoney(s.var999Cents)}</title></circle>`,
    );
  });
  // Legend under the plot.
  result.scenarios.forEach((s, k) => {
    const colour = SERIES_COLOURS[k % SERIES_COLOURS.length]!;
    const lx = f.left + k * 150;
    const ly = height - 18;
    parts.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`,
      `<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** A loss histogram of one scenario, with EL, VaR 99 %, VaR 99.9 % and ES 97.5 % marked. */
export function histogramSvg(
  result: PortfolioResult,
  s: ScenarioSummary,
  colour: string,
  width = 370,
  height = 220,
): string {
  const f: Frame = { width, height, left: 44, right: 12, top: 30, bottom: 36 };
  const title = `${s.name}: loss distribution`;
  const counts = s.lossHistogram;
  const top = result.lossHistogramTopCents;
  const maxCount = Math.max(1, ...counts);
  const barWidth = plotWidth(f) / counts.length;
  const x = (cents: number): number => f.left + (cents / top) * plotWidth(f);
  const parts: string[] = [svgOpen(f, title)];
  parts.push(`<text x="${f.left}" y="18" font-size="13" font-weight="600">${escapeXml(title)}</text>`);
  counts.forEach((c, i) => {
    const h = (c / maxCount) * plotHeight(f);
    parts.push(
      `<rect x="${(f.left + i * barWidth).toFixed(1)}" y="${(f.top + plotHeight(f) - h).toFixed(1)}" width="${Math.max(0.5, barWidth - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${colour}" fill-opacity="0.75"/>`,
    );
  });
  parts.push(
    `<rect x="${f.left}" y="${f.top}" width="${plotWidth(f)}" height="${plotHeight(f)}" fill="none" stroke="#888"/>`,
  );
  for (const t of niceTicks(top / 100, 3)) {
    parts.push(
      `<text x="${x(t * 100).toFixed(1)}" y="${height - f.bottom + 14}" text-anchor="middle" font-size="10">${formatMoney(t * 100)}</text>`,
    );
  }
  parts.push(`<text x="${f.left - 6}" y="${f.top + 4}" text-anchor="end" font-size="10">${maxCount}</text>`);
  parts.push(
    `<text x="${f.left - 6}" y="${f.top + plotHeight(f)}" text-anchor="end" font-size="10">0</text>`,
  );
  const markers: [string, number, string][] = [
    ['EL', s.expectedLossCents, '#333'],
    ['VaR99', s.var99Cents, '#777'],
    ['VaR99.9', s.var999Cents, '#000'],
    ['ES97.5', s.es975Cents, '#b00'],
  ];
  markers.forEach(([label, cents, stroke], k) => {
    const xx = x(cents).toFixed(1);
    parts.push(
      `<line x1="${xx}" x2="${xx}" y1="${f.top}" y2="${f.top + plotHeight(f)}" stroke="${stroke}" stroke-dasharray="4 3"><title>${label} ${formatMoney(cents)}</title></line>`,
      `<text x="${xx}" y="${f.top + 10 + k * 11}" font-size="9" dx="3" fill="${stroke}">${label}</text>`,
    );
  });
  parts.push(
    `<text x="${f.left + plotWidth(f) / 2}" y="${height - 4}" text-anchor="middle" font-size="10">loss (draws per bin; the last bin holds all beyond)</text>`,
  );
  parts.push('</svg>');
  return parts.join('');
}
