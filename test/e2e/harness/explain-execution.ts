/**
 * Why an execution did not succeed, as one readable text for a failed assertion: the
 * execution's error and cause, the failure events of its history, and for each Map Run its
 * counts and the first failed child executions (batches) with the errors their attempts got.
 * A whole-job test that fails on its status then says why instead of "FAILED !== SUCCEEDED".
 */
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListMapRunsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';

/** Where the backend listens (a `LocalBackend` fits). */
export interface BackendAddress {
  readonly url: string;
  readonly region: string;
}

/** Failed child executions described in full; the rest are only counted. */
const CHILDREN_SHOWN = 5;
/** Failure events shown per history. */
const EVENTS_SHOWN = 8;

/**
 * Describes why `executionArn` ended as it did. Never throws: a backend that cannot answer
 * gives the reason it could not, so the caller's assertion still fails with its own message.
 */
export async function explainExecution(backend: BackendAddress, executionArn: string): Promise<string> {
  const sfn = new SFNClient({
    endpoint: backend.url,
    region: backend.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const lines: string[] = [];
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    lines.push(`execution ${described.status}: ${described.error ?? '-'}: ${described.cause ?? '-'}`);
    lines.push(...indent(await failureEvents(sfn, executionArn)));
    const { mapRuns = [] } = await sfn.send(new ListMapRunsCommand({ executionArn }));
    for (const { mapRunArn } of mapRuns) {
      const run = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
      lines.push(
        `map run ${run.status}: items ${JSON.stringify(run.itemCounts)}, batches ${JSON.stringify(run.executionCounts)}`,
      );
      const failed: string[] = [];
      for (const statusFilter of ['FAILED', 'TIMED_OUT', 'ABORTED'] as const) {
        const { executions = [] } = await sfn.send(new ListExecutionsCommand({ mapRunArn, statusFilter }));
        failed.push(...executions.map((e) => e.executionArn!));
      }
      for (const child of failed.slice(0, CHILDREN_SHOWN)) {
        const c = await sfn.send(new DescribeExecutionCommand({ executionArn: child }));
        lines.push(`  batch ${child.split(':').at(-1)} ${c.status}: ${c.error ?? '-'}: ${c.cause ?? '-'}`);
        lines.push(...indent(await failureEvents(sfn, child), '    '));
      }
      if (failed.length > CHILDREN_SHOWN)
        lines.push(`  … and ${failed.length - CHILDREN_SHOWN} more failed batches`);
    }
    return lines.join('\n');
  } catch (error) {
    return `(could not explain ${executionArn}: ${(error as Error).name}: ${(error as Error).message})`;
  } finally {
    sfn.destroy();
  }
}

/** The history's failure events (every attempt's error, timeouts, aborts), oldest first. */
async function failureEvents(sfn: SFNClient, executionArn: string): Promise<string[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        nextToken,
        maxResults: 1000,
        includeExecutionData: false,
      }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const failures = events.filter((e) => /Failed|TimedOut|Aborted/.test(e.type ?? ''));
  const shown = failures.slice(-EVENTS_SHOWN).map((e) => {
    const details = Object.entries(e).find(([key]) => key.endsWith('EventDetails'))?.[1] as
      | { error?: string; cause?: string }
      | undefined;
    const cause = details?.cause ? `: ${details.cause.slice(0, 300)}` : '';
    return `#${e.id} ${e.type} ${details?.error ?? ''}${cause}`;
  });
  if (failures.length > EVENTS_SHOWN)
    shown.unshift(`(${failures.length - EVENTS_SHOWN} earlier failure events)`);
  return shown;
}

function indent(lines: readonly string[], prefix = '  '): string[] {
  return lines.map((line) => `${prefix}${line}`);
}

/**
 * The message for a failed status assertion on a whole-job run: why the execution ended
 * so, then the run's own output (the progress view's lines) when there is one.
 */
export async function whyNotSucceeded(
  backend: BackendAddress,
  run: { readonly status: string; readonly executionArn: string },
  log = '',
): Promise<string> {
  if (run.status === 'SUCCEEDED') return '';
  const why = await explainExecution(backend, run.executionArn);
  return log ? `${why}\n--- run output ---\n${log}` : why;
}
