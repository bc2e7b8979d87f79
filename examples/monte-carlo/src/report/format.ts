/** Number formatting shared by the text table and the HTML report. */

/** Cents as dollars with a unit: `$1.23M`, `$456.8K`, `$12.50`. */
export function formatMoney(cents: number): string {
  const dollars = cents / 100;
  const abs = Math.abs(dollars);
  if (abs >= 1e9) return `$${(dollars / 1e9).toFixed(2)}B`;
  if (abs >= 1e6) return `$${(dollars / 1e6).toFixed(2)}M`;
  if (abs >= 1e3) return `$${(dollars / 1e3).toFixed(1)}K`;
  return `$${dollars.toFixed(2)}`;
}

/** A ratio as a percentage with enough digits for small values: `1.23%`, `0.045%`. */
export function formatPercent(ratio: number): string {
  const pct = ratio * 100;
  if (pct === 0) return '0%';
  if (Math.abs(pct) >= 10) return `${pct.toFixed(1)}%`;
  if (Math.abs(pct) >= 0.1) return `${pct.toFixed(2)}%`;
  return `${pct.toPrecision(2)}%`;
}

/** Escapes text for HTML and SVG. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
