/**
 * The bundled `monte-carlo` job: the credit-portfolio stress test of
 * `examples/monte-carlo`. Items are loans in JSON Lines files (one file per batch: writing
 * JSONL is fast, one S3 object per loan is not); `--items` is the number of loans, `--size` the
 * Monte Carlo draws, `--batch` the loans per batch (file).
 */
import { fileURLToPath } from 'node:url';
import type { JobModule, JobRunOptions } from '../job-module.ts';

/** Defaults sized for `npm run demo` on a 2-core machine (about a minute). */
export const MONTE_CARLO_DEFAULTS = {
  loans: 60_000,
  draws: 10_000,
  loansPerBatch: 1_500,
  workers: 2,
  threads: 1,
  seed: 'demo',
} as const;

/** The bucket the local run writes the portfolio to (and reads the items from). */
const INPUT_BUCKET = 'stepfleet-monte-carlo-input';

const monteCarlo: JobModule = {
  description: 'credit-portfolio Monte Carlo stress test (Vasicek copula, rate shocks)',
  async plan(options: JobRunOptions) {
    const mc = await import('@stepfleet/example-monte-carlo');
    const loans = options.items ?? MONTE_CARLO_DEFAULTS.loans;
    const loansPerBatch = Math.min(options.batchSize ?? MONTE_CARLO_DEFAULTS.loansPerBatch, loans);
    const seed = parseSeed(options.seed ?? MONTE_CARLO_DEFAULTS.seed);
    const local = options.target === 'local';
    // Every partition gets its own prefix, so runs with different batch sizes share a backend.
    const prefix = `portfolio-${loans}-${loansPerBatch}-${seedTag(seed)}/`;
    const handler = (path: string) =>
      fileURLToPath(import.meta.resolve(`@stepfleet/example-monte-carlo/${path}`));
    const spec = mc.monteCarloJob({
      seed,
      draws: options.size ?? MONTE_CARLO_DEFAULTS.draws,
      layout: local ? 'jsonl' : 'objects',
      ...(local ? { bucket: INPUT_BUCKET, prefix } : {}),
      loansPerBatch,
      maxWorkers: options.workers ?? MONTE_CARLO_DEFAULTS.workers,
      threads: options.threads ?? MONTE_CARLO_DEFAULTS.threads,
      ...(local
        ? {
            handlers: {
              batch: handler(mc.MONTE_CARLO_HANDLERS.source.batch.replace('examples/monte-carlo/', '')),
              aggregate: handler(
                mc.MONTE_CARLO_HANDLERS.source.aggregate.replace('examples/monte-carlo/', ''),
              ),
            },
          }
        : { handlers: mc.MONTE_CARLO_HANDLERS.compiled }),
    });
    return {
      spec,
      async prepare({ s3, inputBucket, log, signal }) {
        let last = 0;
        const summary = await mc.writePortfolio({
          client: s3,
          bucket: inputBucket,
          prefix,
          count: loans,
          seed,
          layout: 'jsonl',
          linesPerFile: loansPerBatch,
          signal,
          onProgress: (written) => {
            if (written - last >= loans / 4 && written < loans) {
              last = written;
              log(`  ${written.toLocaleString('en-US')} of ${loans.toLocaleString('en-US')} loans written`);
            }
          },
        });
        const mib = (summary.bytes / 2 ** 20).toFixed(1);
        return `portfolio: ${summary.loans.toLocaleString('en-US')} loans in ${summary.objects} JSONL files (${mib} MiB), s3://${inputBucket}/${prefix}`;
      },
      async report({ s3, output, outDir, print }) {
        const summary = (output as { result?: { resultUrl?: string } }).result;
        if (!summary?.resultUrl) throw new Error('the execution output has no result.resultUrl');
        const result = await mc.readPortfolioResult(s3, summary.resultUrl);
        print(mc.formatTextReport(result, 3));
        const files = await mc.writeReport(result, outDir);
        return [files.html, files.svg, files.json];
      },
    };
  },
};

export default monteCarlo;

/** A seed is a safe integer when it looks like one, else a string (hashed by the model). */
function parseSeed(text: string): number | string {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (Number.isSafeInteger(value)) return value;
  }
  if (text.length === 0 || text.length > 200) throw new RangeError('--seed must be 1-200 characters');
  return text;
}

function seedTag(seed: number | string): string {
  return String(seed)
    .replace(/[^A-Za-z0-9-]/g, '_')
    .slice(0, 40);
}
