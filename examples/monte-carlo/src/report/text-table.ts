/**
 * The terminal view of a result: one row per scenario (expected loss, VaR, ES, default rates),
 * then each scenario's top contributors. Plain text, fixed-width columns, no colour codes.
 */
import type { PortfolioResult } from '../aggregate.ts';
import { formatMoney, formatPercent } from './format.ts';

function table(header: readonly string[], rows: readonly (readonly string[])[], rightAlignFrom = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i >= rightAlignFrom ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The summary table: one row per scenario. */
export function formatSummaryTable(result: PortfolioResult): string {
  const rows = result.scenarios.map((s) => [
    s.name,
    formatMoney(s.expectedLossCents),
    `±${formatMoney(1.96 * s.expectedLossStandardErrorCents)}`,
    formatPercent(s.expectedLossCents / result.exposureCents),
    formatMoney(s.var99Cents),
    formatMoney(s.var999Cents),
    formatMoney(s.es975Cents),
    formatPercent(s.defaultRate.mean),
    formatPercent(s.defaultRate.p999),
  ]);
  return table(
    ['scenario', 'EL', '95% CI', 'EL/EAD', 'VaR 99%', 'VaR 99.9%', 'ES 97.5%', 'default rate', 'DR 99.9%'],
    rows,
  );
}

/** The largest contributors of each scenario, `count` per scenario. */
export function formatContributors(result: PortfolioResult, count = 5): string {
  return result.scenarios
    .map((s) => {
      const rows = s.top
        .slice(0, count)
        .map((c) => [
          c.id,
          `${c.type} ${c.grade}`,
          formatMoney(c.eadCents),
          formatPercent(c.pd),
          formatPercent(c.lgd),
          formatMoney(c.simulatedExpectedLossCents),
          formatPercent(c.share),
        ]);
      return `${s.name}: top contributors to expected loss\n${table(['loan', 'type', 'EAD', 'PD', 'LGD', 'sim. EL', 'share'], rows, 2)}`;
    })
    .join('\n\n');
}

/** The whole terminal report: a heading line, the summary table and the contributors. */
export function formatTextReport(result: PortfolioResult, contributors = 5): string {
  const heading =
    `Credit portfolio stress test: ${result.loanCount.toLocaleString('en-US')} loans, ` +
    `exposure ${formatMoney(result.exposureCents)}, ${result.draws.toLocaleString('en-US')} draws, ` +
    `seed ${JSON.stringify(result.settings.seed)}`;
  return `${heading}\n\n${formatSummaryTable(result)}\n\n${formatContributors(result, contributors)}\n`;
}
