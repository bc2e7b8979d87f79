/**
 * The batch handler the workers run: loads the batch's loans (inline items, or the S3 objects
 * the items name), simulates them, and returns the batch output (inline, or spilled to S3 when
 * larger than the activity output limit).
 *
 * @example
 * ```sh
 * stepfleet worker examples/monte-carlo/src/handler.ts --activity-arn <arn>
 * ```
 */
import { defineBatchHandler } from '@stepfleet/worker/handler';
import { runBatch } from './batch.ts';
import { type BatchOutput, packBatchOutput } from './batch-output.ts';
import { applyFaults } from './faults.ts';
import { loadLoans } from './loan-source.ts';
import { resolveSimulationInput } from './simulation-input.ts';

export default defineBatchHandler<unknown, unknown, BatchOutput>(
  async ({ items, batchInput, signal, s3, log, task }) => {
    const input = resolveSimulationInput(batchInput);
    const loans = await loadLoans(items, s3, { defaultBucket: input.itemsBucket, signal });
    signal.throwIfAborted();
    // The fault test mode (the fault suite's); without BatchInput.faults it does nothing.
    applyFaults(loans, input.faults, task?.attempt ?? 0);
    const started = performance.now();
    const result = runBatch(loans, input, signal);
    const seconds = (performance.now() - started) / 1000;
    const output = await packBatchOutput(result, input, s3, signal);
    log.info(
      {
        loans: loans.length,
        draws: input.draws,
        scenarios: input.scenarios.length,
        kernelSeconds: Math.round(seconds * 1000) / 1000,
        loanDrawsPerSecond: Math.round((loans.length * input.draws) / Math.max(seconds, 1e-6)),
        spilled: output.format !== result.format,
      },
      'batch simulated',
    );
    return output;
  },
);
