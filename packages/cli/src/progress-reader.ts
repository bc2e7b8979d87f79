/**
 * Reads a run's {@link ProgressSnapshot} from the APIs, the same calls on AWS and locally:
 * DescribeExecution, GetExecutionHistory (phase, fleet, failures), ListMapRuns +
 * DescribeMapRun (items and batches), ListExecutions of the Map Run + GetExecutionHistory of
 * each finished child (failed attempts by error name), DescribeServices (the fleet).
 */
import { DescribeServicesCommand, type ECSClient } from '@aws-sdk/client-ecs';
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  type DescribeMapRunCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListMapRunsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import {
  type FleetCounts,
  type MapRunCounts,
  type ProgressSnapshot,
  RateTracker,
} from './progress-snapshot.ts';

/** The clients a reader uses; `ecs` may be left out (no fleet line). */
export interface ProgressClients {
  readonly sfn: SFNClient;
  readonly ecs?: ECSClient;
}

/** Child histories read per refresh at most (GetExecutionHistory is throttled on AWS). */
const CHILD_HISTORIES_PER_REFRESH = 40;

/** Reads snapshots of one execution; keeps what never changes again (closed children). */
export class ProgressReader {
  readonly #clients: ProgressClients;
  readonly #executionArn: string;
  readonly #rate = new RateTracker();
  #mapRunArn: string | undefined;
  #fleet: { cluster: string; service: string } | undefined;
  /** Failed attempts by error name of each closed child, read once. */
  readonly #childFailures = new Map<string, readonly string[]>();

  constructor(clients: ProgressClients, executionArn: string) {
    this.#clients = clients;
    this.#executionArn = executionArn;
  }

  /** The Map Run's ARN, once the Map Run has started. */
  get mapRunArn(): string | undefined {
    return this.#mapRunArn;
  }

  /**
   * Reads a snapshot. `complete` reads every child history not read yet (for the final
   * numbers); otherwise at most {@link CHILD_HISTORIES_PER_REFRESH} per call.
   */
  async read(options: { complete?: boolean; signal?: AbortSignal } = {}): Promise<ProgressSnapshot> {
    const { sfn } = this.#clients;
    const abortSignal = options.signal;
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: this.#executionArn }), {
      abortSignal,
    });
    const history = await this.#history(this.#executionArn, true, abortSignal);
    const atMs = Date.now();
    const failures: Record<string, number> = {};
    let phase: string | undefined;
    for (const event of history) {
      if (event.stateEnteredEventDetails?.name) phase = event.stateEnteredEventDetails.name;
      this.#fleet ??= fleetOf(event);
      this.#mapRunArn ??= event.mapRunStartedEventDetails?.mapRunArn;
      const error = failureOf(event);
      if (error) failures[error] = (failures[error] ?? 0) + 1;
    }
    let mapRun: DescribeMapRunCommandOutput | undefined;
    if (!this.#mapRunArn) {
      // A Map Run's start event may lag the listing; ListMapRuns is authoritative.
      const runs = await sfn.send(new ListMapRunsCommand({ executionArn: this.#executionArn }), {
        abortSignal,
      });
      this.#mapRunArn = runs.mapRuns?.[0]?.mapRunArn;
    }
    if (this.#mapRunArn) {
      mapRun = await sfn.send(new DescribeMapRunCommand({ mapRunArn: this.#mapRunArn }), { abortSignal });
      await this.#readChildFailures(this.#mapRunArn, options.complete === true, abortSignal);
      for (const errors of this.#childFailures.values()) {
        for (const error of errors) failures[error] = (failures[error] ?? 0) + 1;
      }
    }
    const items = mapRun?.itemCounts ? counts(mapRun.itemCounts) : undefined;
    const batches = mapRun?.executionCounts ? counts(mapRun.executionCounts) : undefined;
    const rate =
      items && mapRun?.status === 'RUNNING'
        ? this.#rate.add(atMs, items.total - items.pending - items.running, items.total)
        : {};
    const fleet = await this.#readFleet(abortSignal);
    const arnParts = this.#executionArn.split(':');
    return {
      name: execution.name ?? arnParts.at(-1) ?? this.#executionArn,
      stateMachine: execution.stateMachineArn?.split(':').at(-1) ?? arnParts.at(-2) ?? '',
      status: execution.status ?? 'RUNNING',
      ...(phase ? { phase } : {}),
      startedAtMs: execution.startDate?.getTime() ?? atMs,
      ...(execution.stopDate ? { stoppedAtMs: execution.stopDate.getTime() } : {}),
      atMs,
      ...(items ? { items } : {}),
      ...(batches ? { batches } : {}),
      ...(mapRun?.status ? { mapRunStatus: mapRun.status } : {}),
      failures,
      ...(fleet ? { fleet } : {}),
      ...rate,
      ...(execution.error ? { error: execution.error } : {}),
      ...(execution.cause ? { cause: execution.cause } : {}),
    };
  }

  /** Every event of an execution; `withData` adds inputs and parameters (the scale steps' fleet). */
  async #history(
    executionArn: string,
    withData: boolean,
    abortSignal?: AbortSignal,
  ): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#clients.sfn.send(
        new GetExecutionHistoryCommand({
          executionArn,
          maxResults: 1000,
          nextToken,
          includeExecutionData: withData,
        }),
        { abortSignal },
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }

  async #readChildFailures(mapRunArn: string, complete: boolean, abortSignal?: AbortSignal): Promise<void> {
    const closed: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#clients.sfn.send(
        new ListExecutionsCommand({ mapRunArn, maxResults: 1000, nextToken }),
        { abortSignal },
      );
      for (const child of page.executions ?? []) {
        if (child.status !== 'RUNNING' && child.executionArn && !this.#childFailures.has(child.executionArn))
          closed.push(child.executionArn);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    const todo = complete ? closed : closed.slice(0, CHILD_HISTORIES_PER_REFRESH);
    // A few at once: enough to keep up, few enough not to be throttled.
    for (let i = 0; i < todo.length; i += 8) {
      await Promise.all(
        todo.slice(i, i + 8).map(async (arn) => {
          // Error names only: without the data, a batch's items are not sent again.
          const events = await this.#history(arn, false, abortSignal);
          this.#childFailures.set(
            arn,
            events.map(attemptFailureOf).filter((e): e is string => e !== undefined),
          );
        }),
      );
    }
  }

  async #readFleet(abortSignal?: AbortSignal): Promise<FleetCounts | undefined> {
    const { ecs } = this.#clients;
    if (!ecs || !this.#fleet) return undefined;
    try {
      const out = await ecs.send(
        new DescribeServicesCommand({ cluster: this.#fleet.cluster, services: [this.#fleet.service] }),
        { abortSignal },
      );
      const service = out.services?.[0];
      if (!service) return undefined;
      return {
        desired: service.desiredCount ?? 0,
        running: service.runningCount ?? 0,
        pending: service.pendingCount ?? 0,
      };
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      // The fleet line is a nicety: a missing permission must not stop the view.
      return undefined;
    }
  }
}

function counts(c: NonNullable<DescribeMapRunCommandOutput['itemCounts']>): MapRunCounts {
  return {
    pending: c.pending ?? 0,
    running: c.running ?? 0,
    succeeded: c.succeeded ?? 0,
    failed: c.failed ?? 0,
    timedOut: c.timedOut ?? 0,
    aborted: c.aborted ?? 0,
    total: c.total ?? 0,
  };
}

/**
 * The fleet a scale step names: the controller's request (`Payload.fleet`) or ECS
 * UpdateService's parameters (`Cluster`, `Service`).
 */
function fleetOf(event: HistoryEvent): { cluster: string; service: string } | undefined {
  const raw = event.taskScheduledEventDetails?.parameters;
  if (!raw) return undefined;
  try {
    const p = JSON.parse(raw) as {
      Payload?: { fleet?: { cluster?: unknown; service?: unknown } };
      Cluster?: unknown;
      Service?: unknown;
    };
    const cluster = p.Payload?.fleet?.cluster ?? p.Cluster;
    const service = p.Payload?.fleet?.service ?? p.Service;
    return typeof cluster === 'string' && typeof service === 'string' ? { cluster, service } : undefined;
  } catch {
    return undefined;
  }
}

/** The error of a failed task or activity attempt in a batch's history. */
function attemptFailureOf(event: HistoryEvent): string | undefined {
  return (
    event.activityFailedEventDetails?.error ??
    event.activityTimedOutEventDetails?.error ??
    event.activityScheduleFailedEventDetails?.error ??
    event.taskFailedEventDetails?.error ??
    event.taskTimedOutEventDetails?.error
  );
}

/** The parent execution's own failures (a scale step, the aggregate step, the execution). */
function failureOf(event: HistoryEvent): string | undefined {
  return (
    attemptFailureOf(event) ??
    event.executionFailedEventDetails?.error ??
    event.executionTimedOutEventDetails?.error
  );
}
