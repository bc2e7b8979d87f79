import {
  DescribeMapRunCommand,
  type DescribeMapRunCommandOutput,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { STATE_NAMES } from '@stepfleet/job';
import { explainAwsError } from './errors.ts';
import type { FleetConfig } from './fleet-config.ts';
import type { RunDemand } from './policy.ts';

/** One Map Run as the controller sees it: enough to explain a decision. */
export interface MapRunView {
  readonly mapRunArn: string;
  readonly status: string;
  readonly maxConcurrency: number;
  readonly pendingExecutions: number;
  readonly runningExecutions: number;
  readonly pendingItems: number;
  readonly runningItems: number;
  /** Items the Map Run has read so far: 0 while its ItemReader is still reading. */
  readonly totalItems: number;
}

/** An open execution and the demand derived from it. */
export interface OpenRun extends RunDemand {
  readonly stateMachineArn: string;
  readonly mapRun: MapRunView | null;
}

/** What one reading of Step Functions found for a fleet. */
export interface DemandReading {
  readonly runs: readonly OpenRun[];
  /** Executions that were open but excluded (the caller that is finishing). */
  readonly excluded: readonly string[];
}

/**
 * Reads the demand of every open execution of the fleet's state machines, statelessly, from
 * Step Functions: ListExecutions(RUNNING) → ListMapRuns → DescribeMapRun.
 *
 * @param exclude executions to leave out (a run that is scaling down after its Map Run).
 * @param planned planned batches of specific executions whose Map Run has not started yet
 *   (the ScaleUp step of that execution says how much it needs).
 * @param assumeOpen executions counted even when ListExecutions does not list them yet
 *   (the caller of ScaleUp is open by definition; ListExecutions is eventually consistent).
 */
export async function readDemand(
  sfn: SFNClient,
  fleet: FleetConfig,
  options: {
    exclude?: readonly string[];
    planned?: ReadonlyMap<string, PlannedDemand>;
    assumeOpen?: readonly string[];
  } = {},
): Promise<DemandReading> {
  const exclude = new Set(options.exclude ?? []);
  const runs: OpenRun[] = [];
  const excluded: string[] = [];
  for (const stateMachineArn of fleet.stateMachineArns) {
    for await (const executionArn of runningExecutions(sfn, stateMachineArn)) {
      if (exclude.has(executionArn)) {
        excluded.push(executionArn);
        continue;
      }
      runs.push(
        await demandOf(sfn, fleet, stateMachineArn, executionArn, options.planned?.get(executionArn)),
      );
    }
  }
  // A run that ListExecutions does not show yet (eventual consistency) still counts.
  for (const executionArn of options.assumeOpen ?? []) {
    if (exclude.has(executionArn) || runs.some((r) => r.executionArn === executionArn)) continue;
    const known = options.planned?.get(executionArn);
    const plan = known ?? defaultPlan(fleet);
    runs.push({
      planKnown: known !== undefined,
      executionArn,
      stateMachineArn: stateMachineOf(executionArn),
      phase: 'planned',
      outstandingBatches: plan.batches,
      maxConcurrency: plan.maxConcurrency,
      mapRun: null,
    });
  }
  return { runs, excluded };
}

/** What a run is expected to need before its Map Run starts (from its ScaleUp request). */
export interface PlannedDemand {
  readonly batches: number;
  /** The Map Run's MaxConcurrency (0 = no cap). */
  readonly maxConcurrency: number;
}

/** The plan of a run that did not say: the fleet's `plannedBatches`, else its whole capacity. */
export function defaultPlan(fleet: FleetConfig): PlannedDemand {
  return { batches: fleet.plannedBatches ?? fleet.maxWorkers * fleet.slotsPerWorker, maxConcurrency: 0 };
}

async function* runningExecutions(sfn: SFNClient, stateMachineArn: string): AsyncGenerator<string> {
  let nextToken: string | undefined;
  do {
    const page = await sfn
      .send(
        new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 1000, nextToken }),
      )
      .catch((error: unknown) =>
        Promise.reject(explainAwsError(error, 'states:ListExecutions', stateMachineArn)),
      );
    for (const execution of page.executions ?? []) if (execution.executionArn) yield execution.executionArn;
    nextToken = page.nextToken;
  } while (nextToken);
}

async function demandOf(
  sfn: SFNClient,
  fleet: FleetConfig,
  stateMachineArn: string,
  executionArn: string,
  plan: PlannedDemand | undefined,
): Promise<OpenRun> {
  const listed = await sfn
    .send(new ListMapRunsCommand({ executionArn, maxResults: 100 }))
    .catch((error: unknown) => Promise.reject(explainAwsError(error, 'states:ListMapRuns', executionArn)));
  const mapRuns = listed.mapRuns ?? [];
  const views: MapRunView[] = [];
  for (const summary of mapRuns) {
    if (!summary.mapRunArn) continue;
    const { mapRunArn } = summary;
    const described = await sfn
      .send(new DescribeMapRunCommand({ mapRunArn }))
      .catch((error: unknown) => Promise.reject(explainAwsError(error, 'states:DescribeMapRun', mapRunArn)));
    views.push(view(described));
  }
  const open = views.filter((v) => v.status === 'RUNNING');
  if (open.length > 0) {
    let outstanding = 0;
    let maxConcurrency = 0;
    for (const run of open) {
      const cap = run.maxConcurrency > 0 ? run.maxConcurrency : Number.POSITIVE_INFINITY;
      maxConcurrency += run.maxConcurrency > 0 ? run.maxConcurrency : 0;
      if (run.totalItems === 0) {
        // Still reading its items (no counts yet): it needs what its run planned, not 0, or a
        // reconcile in that moment would stop the fleet its ScaleUp has just started.
        outstanding += Math.min((plan ?? defaultPlan(fleet)).batches, cap);
        continue;
      }
      const byExecutions = run.pendingExecutions + run.runningExecutions;
      const byItems = Math.ceil((run.pendingItems + run.runningItems) / fleet.itemsPerBatch);
      outstanding += Math.min(Math.max(byExecutions, byItems), cap);
    }
    return {
      executionArn,
      stateMachineArn,
      phase: 'mapping',
      outstandingBatches: outstanding,
      maxConcurrency,
      mapRun: open[0]!,
    };
  }
  if (views.length > 0) {
    // A run already in its scale-down step needs nothing more: without this, two runs ending
    // together would each keep a worker for the other until the next reconcile.
    const finishing = await inScaleDownStep(sfn, executionArn);
    return {
      executionArn,
      stateMachineArn,
      phase: 'tail',
      outstandingBatches: finishing ? 0 : fleet.tailBatches,
      maxConcurrency: 0,
      mapRun: views[0]!,
    };
  }
  const { batches, maxConcurrency } = plan ?? defaultPlan(fleet);
  return {
    executionArn,
    stateMachineArn,
    phase: 'planned',
    planKnown: plan !== undefined,
    outstandingBatches: batches,
    maxConcurrency,
    mapRun: null,
  };
}

function view(run: DescribeMapRunCommandOutput): MapRunView {
  return {
    mapRunArn: run.mapRunArn ?? '',
    status: run.status ?? 'UNKNOWN',
    maxConcurrency: run.maxConcurrency ?? 0,
    pendingExecutions: run.executionCounts?.pending ?? 0,
    runningExecutions: run.executionCounts?.running ?? 0,
    pendingItems: run.itemCounts?.pending ?? 0,
    runningItems: run.itemCounts?.running ?? 0,
    totalItems: run.itemCounts?.total ?? 0,
  };
}

/** `arn:aws:states:R:A:execution:SM:NAME` → `arn:aws:states:R:A:stateMachine:SM`. */
export function stateMachineOf(executionArn: string): string {
  const parts = executionArn.split(':');
  if (parts.length < 8 || parts[5] !== 'execution') return '';
  return [...parts.slice(0, 5), 'stateMachine', parts[6]].join(':');
}

const SCALE_DOWN_STATES: ReadonlySet<string> = new Set([
  STATE_NAMES.scaleDown,
  STATE_NAMES.scaleDownOnFailure,
]);

/** Whether the execution's latest entered state is one of the generated scale-down steps. */
async function inScaleDownStep(sfn: SFNClient, executionArn: string): Promise<boolean> {
  const history = await sfn
    .send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: 20,
        includeExecutionData: false,
      }),
    )
    .catch((error: unknown) =>
      Promise.reject(explainAwsError(error, 'states:GetExecutionHistory', executionArn)),
    );
  const entered = (history.events ?? []).find((event) => event.stateEnteredEventDetails?.name !== undefined);
  return SCALE_DOWN_STATES.has(entered?.stateEnteredEventDetails?.name ?? '');
}
