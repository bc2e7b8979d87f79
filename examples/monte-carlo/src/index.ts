/**
 * @stepfleet/example-monte-carlo: a credit-portfolio Monte Carlo stress test on stepfleet.
 * What the demo, the CLI and the infra app use; the handlers are loaded by path (see
 * {@link MONTE_CARLO_HANDLERS}).
 * @packageDocumentation
 */
export type { PortfolioContributor, PortfolioResult, ResultSettings, ScenarioSummary } from './aggregate.ts';
export { AggregationError, aggregateBatches, PortfolioAggregator, RESULT_FORMAT } from './aggregate.ts';
export type { AggregateInput, AggregateSummary } from './aggregate-handler.ts';
export type { BatchResult, BatchScenarioResult, Contributor } from './batch.ts';
export { BATCH_FORMAT, runBatch } from './batch.ts';
export type { BatchOutput, BatchResultRef } from './batch-output.ts';
export { INLINE_OUTPUT_BUDGET_BYTES, resolveBatchOutput } from './batch-output.ts';
export type { CreditModelOptions, PreparedLoan, Scenario } from './credit-model.ts';
export { CREDIT_MODEL_DEFAULTS, prepareLoan } from './credit-model.ts';
export type { MonteCarloFaults } from './faults.ts';
export type { MonteCarloJobOptions } from './job.ts';
export { MONTE_CARLO_HANDLERS, monteCarloJob } from './job.ts';
export type { CollateralType, CreditGrade, Loan, LoanType } from './loan.ts';
export { InvalidLoanError, parseLoan } from './loan.ts';
export type { MapRunResultsOptions } from './map-run-results.ts';
export { aggregateMapRun } from './map-run-results.ts';
export { generateLoan, generatePortfolio, loanId } from './portfolio.ts';
export type { PortfolioWriterOptions, PortfolioWriteSummary } from './portfolio-writer.ts';
export { loanFileKey, loanObjectKey, writePortfolio } from './portfolio-writer.ts';
export { formatMoney, formatPercent } from './report/format.ts';
export { htmlReport } from './report/html-report.ts';
export { exceedanceChartSvg } from './report/svg-charts.ts';
export { formatContributors, formatSummaryTable, formatTextReport } from './report/text-table.ts';
export type { ReportFiles } from './report/write-report.ts';
export { writeReport } from './report/write-report.ts';
export { parseS3Url, readPortfolioResult } from './result-store.ts';
export type { JobSeed } from './rng.ts';
export type { ResolvedSimulationInput, SimulationInput, SpillLocation } from './simulation-input.ts';
export {
  InvalidSimulationInputError,
  resolveSimulationInput,
  SIMULATION_DEFAULTS,
  simulationFingerprint,
} from './simulation-input.ts';
