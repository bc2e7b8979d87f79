/**
 * `npm run demo` end to end at its default size, split into its phases: data generation (the
 * portfolio written to the local S3), fleet start (ScaleUp: the controller starts the workers
 * and waits until they run), Map Run, aggregation, scale-down (ScaleDown entered → the last
 * worker process exited, from the ECS observations), and the total. Baseline, in the same run:
 * the same portfolio simulated in this process on one thread (generate, runBatch per batch,
 * aggregate), so the Map Run's ratio shows what the fleet buys on this machine.
 */
import { PassThrough } from 'node:stream';
import { GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { aggregateBatches } from '../../examples/monte-carlo/src/aggregate.ts';
import { runBatch } from '../../examples/monte-carlo/src/batch.ts';
import { generatePortfolio } from '../../examples/monte-carlo/src/portfolio.ts';
import { resolveSimulationInput } from '../../examples/monte-carlo/src/simulation-input.ts';
import monteCarlo, { MONTE_CARLO_DEFAULTS } from '../../packages/cli/src/jobs/monte-carlo.ts';
import { runLocalJob, startRunBackend } from '../../packages/cli/src/local-run.ts';
import type { Bench, BenchFigure } from './types.ts';

/** What each phase measures. */
const PHASES: Readonly<Record<string, string>> = {
  'fleet-start': 'fleet start: ScaleUp entered → the first batch picked up by a worker process',
  'map-run': 'Map Run: ProcessItems entered → exited (overlaps the fleet start)',
  aggregation: 'aggregation: the Aggregate step entered → exited',
  'scale-down': 'scale-down: ScaleDown entered → the last worker process exited',
};

/** Milliseconds between the first event named `from` (state `fromState`) and the first `to`. */
function span(
  events: readonly HistoryEvent[],
  from: (e: HistoryEvent) => boolean,
  to: (e: HistoryEvent) => boolean,
): number {
  const a = events.find(from)?.timestamp;
  const b = events.find(to)?.timestamp;
  if (!a || !b) throw new Error('the history lacks a phase');
  return b.getTime() - a.getTime();
}
const entered = (name: string) => (e: HistoryEvent) => e.stateEnteredEventDetails?.name === name;
const exited = (name: string) => (e: HistoryEvent) => e.stateExitedEventDetails?.name === name;

/** The same simulation in this process, one thread: the baseline of the Map Run. */
function inProcess(batchInput: unknown): number {
  const settings = resolveSimulationInput(batchInput);
  const started = performance.now();
  const { loans, loansPerBatch } = MONTE_CARLO_DEFAULTS;
  const batches = [];
  for (let from = 0; from < loans; from += loansPerBatch) {
    batches.push(
      runBatch([...generatePortfolio(settings.seed, from, Math.min(loans, from + loansPerBatch))], settings),
    );
  }
  aggregateBatches(settings, batches);
  return performance.now() - started;
}

const bench: Bench = async () => {
  const plan = await monteCarlo.plan({ target: 'local' });
  const backend = await startRunBackend({ port: 0 });
  const out = new PassThrough().resume();
  let phases: Record<string, number> = {};
  const startedMs = performance.now();
  let totalMs = 0;
  let prepareMs = 0;
  try {
    const outcome = await runLocalJob({
      plan,
      backend,
      out,
      tty: false,
      outDir: 'out/bench-demo',
      onFinished: async ({ clients, executionArn: arn, deployment }) => {
        const { events = [] } = await clients.sfn.send(
          new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }),
        );
        const observations = backend.ecs.observations;
        await observations.waitFor(
          () => observations.tasks({ service: deployment.service }).every((t) => t.stoppedAtMs !== undefined),
          120_000,
          'every worker exited',
        );
        const lastStop = Math.max(
          ...observations.tasks({ service: deployment.service }).map((t) => t.stoppedAtMs!),
        );
        const scaleDownAt = events.find(entered('ScaleDown'))!.timestamp!.getTime();
        const scaleUpAt = events.find(entered('ScaleUp'))!.timestamp!.getTime();
        const firstBatchAt = Math.min(
          ...backend.activities
            .stats()
            .tasks.filter((t) => t.activityArn === deployment.resources.activityArn && t.startedAt !== null)
            .map((t) => t.startedAt!),
        );
        phases = {
          'fleet-start': firstBatchAt - scaleUpAt,
          'map-run': span(events, entered('ProcessItems'), exited('ProcessItems')),
          aggregation: span(events, entered('Aggregate'), exited('Aggregate')),
          'scale-down': lastStop - scaleDownAt,
        };
        totalMs = performance.now() - startedMs;
      },
    });
    if (outcome.status !== 'SUCCEEDED') throw new Error(`the demo run ended ${outcome.status}`);
    prepareMs = outcome.prepareMs;
  } finally {
    await backend.close();
  }
  const baselineMs = inProcess(plan.spec.batching.batchInput);
  const { loans, draws } = MONTE_CARLO_DEFAULTS;
  const what = (phase: string) => `demo (${loans} loans × ${draws} draws): ${phase}`;
  const figures: BenchFigure[] = [
    {
      id: 'demo.data-generation',
      what: what('portfolio written to the local S3 (JSONL)'),
      value: prepareMs / 1000,
      unit: 's',
      baseline: null,
      ratio: null,
      goal: 'report',
      met: true,
    },
    ...Object.entries(phases).map(([phase, ms]) => ({
      id: `demo.${phase}`,
      what: what(PHASES[phase] ?? phase),
      value: ms / 1000,
      unit: 's',
      baseline: phase === 'map-run' ? baselineMs / 1000 : null,
      ratio: phase === 'map-run' ? ms / baselineMs : null,
      goal:
        phase === 'map-run' ? 'report (baseline: the same simulation on one thread in-process)' : 'report',
      met: true,
    })),
    {
      id: 'demo.total',
      what: what('backend start to the last worker exited'),
      value: totalMs / 1000,
      unit: 's',
      baseline: null,
      ratio: null,
      goal: '<= 120 s',
      met: totalMs <= 120_000,
    },
  ];
  return figures;
};

export default bench;
