/**
 * The aggregate step's handler: reads the Map Run's results (the ResultWriter manifest the
 * state passes in), sums every batch into the portfolio result, writes the result JSON and the
 * HTML report next to the manifest, and returns a small summary (the activity output is capped
 * at 256 KiB; the full result is in S3).
 */
import { defineHandler } from '@stepfleet/worker/handler';
import { AggregationError } from './aggregate.ts';
import { aggregateMapRun } from './map-run-results.ts';
import { htmlReport } from './report/html-report.ts';
import { resolveSimulationInput } from './simulation-input.ts';

/** The aggregate task's input (the generated state machine's Parameters). */
export interface AggregateInput {
  readonly MapRunArn?: string;
  readonly ResultWriterDetails: { readonly Bucket: string; readonly Key: string };
  readonly BatchInput: unknown;
}

/** Per scenario, the figures a terminal shows; the rest is in the result object. */
export interface AggregateSummary {
  readonly resultUrl: string;
  readonly reportUrl: string;
  /** Every loan's stressed PD per scenario (JSONL sorted by id), when `perLoanPds` was set. */
  readonly loanPdsUrl?: string;
  readonly loanCount: number;
  readonly batches: number;
  readonly draws: number;
  readonly exposureCents: number;
  readonly idDigest: string;
  readonly scenarios: readonly {
    readonly name: string;
    readonly expectedLossCents: number;
    readonly var99Cents: number;
    readonly var999Cents: number;
    readonly es975Cents: number;
    readonly meanDefaultRate: number;
    readonly lossesSha256: string;
  }[];
}

export default defineHandler<AggregateInput, AggregateSummary>(
  async (input, { s3, signal, heartbeat, log }) => {
    const details = input?.ResultWriterDetails;
    if (typeof details?.Bucket !== 'string' || typeof details?.Key !== 'string') {
      throw new AggregationError(
        'ResultWriterDetails { Bucket, Key } is required: the Map Run must have a ResultWriter',
      );
    }
    const settings = resolveSimulationInput(input.BatchInput);
    // With perLoanPds, every loan's stressed PDs become one JSONL line, sorted by id.
    const pdLines: string[] = [];
    const { result, batches } = await aggregateMapRun({
      manifest: details,
      settings,
      store: s3,
      signal,
      onBatch: (n, batch) => {
        if (n % 50 === 0) heartbeat();
        const pds = batch.loanPds;
        if (settings.perLoanPds && pds) {
          pds.ids.forEach((id, l) => {
            pdLines.push(JSON.stringify({ id, pds: pds.pds[l] }));
          });
        }
      },
    });
    const dir = details.Key.includes('/') ? details.Key.slice(0, details.Key.lastIndexOf('/') + 1) : '';
    const at = (name: string): { Bucket: string; Key: string } => ({
      Bucket: details.Bucket,
      Key: `${dir}${name}`,
    });
    const resultUrl = await s3.putJson(at('monte-carlo-result.json'), result, { signal });
    const reportUrl = await s3.put(at('monte-carlo-report.html'), htmlReport(result), {
      contentType: 'text/html; charset=utf-8',
      signal,
    });
    let loanPdsUrl: string | undefined;
    if (pdLines.length > 0) {
      pdLines.sort();
      loanPdsUrl = await s3.put(at('monte-carlo-loan-pds.jsonl'), `${pdLines.join('\n')}\n`, {
        contentType: 'application/x-ndjson',
        signal,
      });
    }
    log.info({ batches, loans: result.loanCount, resultUrl }, 'portfolio aggregated');
    return {
      resultUrl,
      reportUrl,
      ...(loanPdsUrl ? { loanPdsUrl } : {}),
      loanCount: result.loanCount,
      batches,
      draws: result.draws,
      exposureCents: result.exposureCents,
      idDigest: result.idDigest,
      scenarios: result.scenarios.map((s) => ({
        name: s.name,
        expectedLossCents: s.expectedLossCents,
        var99Cents: s.var99Cents,
        var999Cents: s.var999Cents,
        es975Cents: s.es975Cents,
        meanDefaultRate: s.defaultRate.mean,
        lossesSha256: s.lossesSha256,
      })),
    };
  },
);
