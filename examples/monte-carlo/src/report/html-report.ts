/**
 * The HTML report: one page, inline CSS and SVG only (no script, font, image or CDN), so it
 * reads the same offline, attached to an email or opened from S3.
 */
import type { PortfolioResult } from '../aggregate.ts';
import { escapeXml, formatMoney, formatPercent } from './format.ts';
import { exceedanceChartSvg, histogramSvg, SERIES_COLOURS } from './svg-charts.ts';

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.5rem;margin-bottom:.25rem}h2{font-size:1.15rem;margin-top:2rem}
.meta{color:#555;margin-top:0}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}
th,td{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:right}
td{white-space:nowrap}
th:first-child,td:first-child{text-align:left}
th{background:#f6f6f6}
.grid{display:flex;flex-wrap:wrap;gap:.5rem}
.note{color:#555;font-size:.9rem;max-width:800px}
`;

function row(cells: readonly string[], tag = 'td'): string {
  return `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
}

/** The report page for a result. `generatedAt` is shown as is (pass a fixed value for reproducible pages). */
export function htmlReport(result: PortfolioResult, generatedAt = new Date().toISOString()): string {
  const s = result.settings;
  const rho = `mortgage ${s.rho.mortgage}, personal ${s.rho.personal}, commercial ${s.rho.commercial}`;
  const summary = [
    row(
      [
        'scenario',
        'expected loss',
        '± 95% CI',
        'analytic EL',
        'EL / EAD',
        'VaR 99%',
        'VaR 99.9%',
        '95% CI of VaR 99.9%',
        'ES 97.5%',
        'mean default rate',
        'default rate 99.9%',
      ],
      'th',
    ),
    ...result.scenarios.map((x) =>
      row([
        escapeXml(x.name),
        formatMoney(x.expectedLossCents),
        formatMoney(1.96 * x.expectedLossStandardErrorCents),
        formatMoney(x.analyticExpectedLossCents),
        formatPercent(x.expectedLossCents / result.exposureCents),
        formatMoney(x.var99Cents),
        formatMoney(x.var999Cents),
        `${formatMoney(x.var999IntervalCents[0])} – ${formatMoney(x.var999IntervalCents[1])}`,
        formatMoney(x.es975Cents),
        formatPercent(x.defaultRate.mean),
        formatPercent(x.defaultRate.p999),
      ]),
    ),
  ].join('');
  const byType = [
    row(['scenario', 'mortgage', 'personal', 'commercial'], 'th'),
    ...result.scenarios.map((x) =>
      row([
        escapeXml(x.name),
        formatMoney(x.analyticExpectedLossByTypeCents.mortgage),
        formatMoney(x.analyticExpectedLossByTypeCents.personal),
        formatMoney(x.analyticExpectedLossByTypeCents.commercial),
      ]),
    ),
  ].join('');
  const defaultRates = [
    row(['scenario', 'mean', 'median', '99%', '99.9%', 'worst draw'], 'th'),
    ...result.scenarios.map((x) =>
      row([
        escapeXml(x.name),
        formatPercent(x.defaultRate.mean),
        formatPercent(x.defaultRate.p50),
        formatPercent(x.defaultRate.p99),
        formatPercent(x.defaultRate.p999),
        formatPercent(x.defaultRate.max),
      ]),
    ),
  ].join('');
  const worst = result.scenarios[result.scenarios.length - 1]!;
  const contributors = [
    row(['loan', 'type', 'grade', 'EAD', 'LGD', 'PD', 'defaults', 'simulated EL', 'share of EL'], 'th'),
    ...worst.top.map((c) =>
      row([
        escapeXml(c.id),
        c.type,
        c.grade,
        formatMoney(c.eadCents),
        formatPercent(c.lgd),
        formatPercent(c.pd),
        `${c.defaults} / ${result.draws}`,
        formatMoney(c.simulatedExpectedLossCents),
        formatPercent(c.share),
      ]),
    ),
  ].join('');
  const histograms = result.scenarios
    .map((x, k) => histogramSvg(result, x, SERIES_COLOURS[k % SERIES_COLOURS.length]!))
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Credit portfolio stress test</title><style>${STYLE}</style></head><body>
<h1>Credit portfolio stress test</h1>
<p class="meta">${result.loanCount.toLocaleString('en-US')} loans · exposure ${formatMoney(result.exposureCents)} ·
${result.draws.toLocaleString('en-US')} Monte Carlo draws · seed ${escapeXml(JSON.stringify(s.seed))} · asset correlation ${rho} ·
policy rate ${formatPercent(s.model.policyRate)} · ${s.commonRandomNumbers ? 'common random numbers across scenarios' : 'independent draws per scenario'} ·
portfolio digest ${result.idDigest} · generated ${escapeXml(generatedAt)}</p>
<h2>Risk by scenario</h2>
<table>${summary}</table>
<p class="note">One-factor Gaussian copula (Vasicek). Losses are summed in integer cents, so the result is the same, bit for bit,
for any batch size, fleet size and retries. VaR is the ⌈αM⌉-th smallest simulated loss; ES 97.5% averages the worst 2.5% of draws;
the VaR 99.9% interval is the 95% order-statistic confidence interval.</p>
<h2>Loss exceedance</h2>
${exceedanceChartSvg(result)}
<h2>Loss distribution per scenario</h2>
<div class="grid">${histograms}</div>
<h2>Default rate per draw (defaults / loans)</h2>
<table>${defaultRates}</table>
<h2>Analytic expected loss by loan type</h2>
<table>${byType}</table>
<h2>Largest contributors under ${escapeXml(worst.name)}</h2>
<table>${contributors}</table>
</body></html>
`;
}
