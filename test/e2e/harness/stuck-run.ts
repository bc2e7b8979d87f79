/**
 * What a scenario that hung was doing when its test timed out: the open activity tasks, the
 * service's workers and the end of their logs (read from the backend in this process, at once,
 * before the file's `after` closes it), and the execution's state.
 */
import { readFileSync } from 'node:fs';
import type { LocalBackend } from '@stepfleet/local';
import type { LocalRunContext } from 'stepfleet';

/** Log lines shown per worker. */
const LOG_TAIL = 6;
/** Batches shown per status. */
const CHILDREN_SHOWN = 5;

/** The backend's view of the run now: open tasks, workers, their logs' last lines. */
export function backendStateNow(backend: LocalBackend, context: LocalRunContext): string {
  const stats = backend.activities.stats();
  const now = Date.now();
  const lines = [
    `activities: ${stats.pendingTasks} queued, ${stats.runningTasks} running, ${stats.openPolls} polls open (${stats.openPollsOfClosedConnections} of closed connections); counts ${JSON.stringify(stats.counts)}`,
  ];
  for (const task of stats.tasks.filter((t) => t.closedAt === null)) {
    const since = task.startedAt === null ? 'queued' : `held ${now - task.startedAt} ms`;
    lines.push(
      `  open task ${task.taskId} ${task.tokenFingerprint} ${task.status} ${since} by ${task.workerName ?? '-'}, ${task.heartbeats} heartbeats${task.lostToClosedPoll ? ', lost to a closed poll' : ''}`,
    );
  }
  for (const task of backend.ecs.observations.tasks({ service: context.deployment.service })) {
    const state =
      task.stoppedAtMs !== undefined
        ? 'exited'
        : task.stopRequestedAtMs !== undefined
          ? 'stopping'
          : task.startedAtMs !== undefined
            ? 'running'
            : 'pending';
    lines.push(`worker ${task.taskId} pid ${task.pid ?? '-'} ${state} (log ${task.logFile})`);
    lines.push(...logTail(task.logFile).map((line) => `    ${line}`));
  }
  return lines.join('\n');
}

/**
 * The execution, its Map Runs and their batches that are still running or did not succeed,
 * read from the engine in this process at once (the file's `after` may close the backend
 * right after the timeout).
 */
export function executionStateNow(backend: LocalBackend, context: LocalRunContext): string {
  const call = (operation: string, input: Record<string, unknown>): Record<string, unknown> => {
    try {
      const result = backend.engine.operations[operation]!(input, {
        region: backend.region,
        accountId: backend.accountId,
        requestId: 'fault-suite',
        clientGone: new AbortController().signal,
      });
      return result instanceof Promise ? {} : (result as Record<string, unknown>);
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  const execution = call('DescribeExecution', { executionArn: context.executionArn });
  const lines = [`execution ${execution.status}: ${execution.error ?? '-'}: ${execution.cause ?? '-'}`];
  const { mapRuns = [] } = call('ListMapRuns', { executionArn: context.executionArn }) as {
    mapRuns?: { mapRunArn: string }[];
  };
  for (const { mapRunArn } of mapRuns) {
    const run = call('DescribeMapRun', { mapRunArn });
    lines.push(
      `map run ${run.status}: items ${JSON.stringify(run.itemCounts)}, batches ${JSON.stringify(run.executionCounts)}`,
    );
    for (const statusFilter of ['RUNNING', 'FAILED', 'TIMED_OUT', 'ABORTED']) {
      const { executions = [] } = call('ListExecutions', { mapRunArn, statusFilter }) as {
        executions?: { executionArn: string }[];
      };
      for (const child of executions.slice(0, CHILDREN_SHOWN)) {
        const c = call('DescribeExecution', { executionArn: child.executionArn });
        lines.push(
          `  batch ${child.executionArn.split(':').at(-1)} ${statusFilter}: ${c.error ?? '-'}: ${c.cause ?? '-'}`,
        );
      }
      if (executions.length > CHILDREN_SHOWN)
        lines.push(`  … and ${executions.length - CHILDREN_SHOWN} more ${statusFilter}`);
    }
  }
  return lines.join('\n');
}

function logTail(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL);
  } catch {
    return [];
  }
}
