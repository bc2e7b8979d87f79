/**
 * The Task state's work: activity tasks through the activity store, `lambda:invoke` and the
 * `aws-sdk:ecs|s3` integrations (request-response, or `.waitForTaskToken` completed through
 * SendTaskSuccess/Failure), with TimeoutSeconds / HeartbeatSeconds and the history events
 * AWS records for each (ActivityScheduled/Started/Succeeded/Failed/TimedOut, TaskScheduled/
 * Started/Submitted/Succeeded/Failed/TimedOut).
 */
import type { ActivityOutcome } from '../activities/types.ts';
import { AwsError } from '../aws-error.ts';
import { type StateData, taskArguments } from './dataflow.ts';
import { ExecutionAborted, StatesError, toStatesError } from './errors.ts';
import { jsonText, NOT_TRUNCATED } from './history.ts';
import { callIntegration } from './integrations.ts';
import { integerSetting } from './map-items.ts';
import { parseResource, type TaskResource } from './resources.ts';

/** Largest task input or output Step Functions passes (256 KiB of UTF-8). */
export const MAX_PAYLOAD_BYTES = 262_144;

/** Serializes a payload, failing with States.DataLimitExceeded above the AWS limit. */
export function payloadText(value: unknown, what: string): string {
  const text = JSON.stringify(value) ?? 'null';
  if (text.length > MAX_PAYLOAD_BYTES / 4 && Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
    throw new StatesError(
      'States.DataLimitExceeded',
      `The ${what} has a size of ${Buffer.byteLength(text)} bytes, over the limit of ${MAX_PAYLOAD_BYTES} bytes`,
    );
  }
  return text;
}

/** Runs the Task state's resource on its effective input; resolves with the raw result. */
export async function runTask(_name: string, d: StateData, input: unknown): Promise<unknown> {
  const s = d.state;
  const resource = parseResource(s.Resource!) as TaskResource;
  const timeoutSeconds = await optionalSeconds(
    d,
    input,
    s.TimeoutSeconds,
    s.TimeoutSecondsPath,
    'TimeoutSeconds',
  );
  const heartbeatSeconds = await optionalSeconds(
    d,
    input,
    s.HeartbeatSeconds,
    s.HeartbeatSecondsPath,
    'HeartbeatSeconds',
  );
  if (resource.kind === 'activity') {
    const args = await taskArguments(d, input);
    return runActivity(d, resource.arn, args, timeoutSeconds, heartbeatSeconds);
  }
  if (resource.waitForTaskToken) return runCallback(d, input, resource, timeoutSeconds, heartbeatSeconds);
  const args = await taskArguments(d, input);
  const { resourceType, resourceName } = names(resource);
  scheduled(d, resourceType, resourceName, args, timeoutSeconds, heartbeatSeconds);
  d.env.execution.history.add('TaskStarted', { resourceType, resource: resourceName });
  try {
    const output = await withTimeout(d, timeoutSeconds, callIntegration(resource, args, d.env));
    payloadText(output, 'task output');
    d.env.execution.history.add('TaskSucceeded', {
      resourceType,
      resource: resourceName,
      output: jsonText(output),
      outputDetails: NOT_TRUNCATED,
    });
    return output;
  } catch (error) {
    throw taskFailed(d, resourceType, resourceName, error);
  }
}

async function optionalSeconds(
  d: StateData,
  input: unknown,
  value: unknown,
  path: string | undefined,
  field: string,
): Promise<number | undefined> {
  if (value === undefined && path === undefined) return undefined;
  const n = await integerSetting(d, input, value, path, field, 0);
  if (!Number.isInteger(n) || n <= 0)
    throw new StatesError('States.Runtime', `${field} must be a positive integer, got ${n}`);
  return n;
}

const names = (
  r: Exclude<TaskResource, { kind: 'activity' }>,
): { resourceType: string; resourceName: string } =>
  r.kind === 'lambda'
    ? { resourceType: 'lambda', resourceName: r.waitForTaskToken ? 'invoke.waitForTaskToken' : 'invoke' }
    : {
        resourceType: `aws-sdk:${r.service}`,
        resourceName: `${r.action}${r.waitForTaskToken ? '.waitForTaskToken' : ''}`,
      };

function scheduled(
  d: StateData,
  resourceType: string,
  resource: string,
  args: unknown,
  timeoutSeconds?: number,
  heartbeatSeconds?: number,
): void {
  d.env.execution.history.add('TaskScheduled', {
    resourceType,
    resource,
    region: d.env.execution.region,
    parameters: jsonText(args),
    ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}),
    ...(heartbeatSeconds !== undefined ? { heartbeatInSeconds: heartbeatSeconds } : {}),
  });
}

function taskFailed(d: StateData, resourceType: string, resource: string, error: unknown): Error {
  if (error instanceof ExecutionAborted || d.env.signal.aborted) return new ExecutionAborted();
  const e = toStatesError(error);
  const timedOut = e.error === 'States.Timeout' || e.error === 'States.HeartbeatTimeout';
  d.env.execution.history.add(timedOut ? 'TaskTimedOut' : 'TaskFailed', {
    resourceType,
    resource,
    error: e.error,
    cause: e.causeText,
  });
  return e;
}

/** Races the work against TimeoutSeconds (simulated time) and the execution's abort signal. */
function withTimeout<T>(d: StateData, timeoutSeconds: number | undefined, work: Promise<T>): Promise<T> {
  const { clock } = d.env.services;
  const signal = d.env.signal;
  return new Promise<T>((resolve, reject) => {
    const timer =
      timeoutSeconds === undefined
        ? undefined
        : clock.setTimeout(
            () =>
              reject(
                new StatesError('States.Timeout', `The task did not finish within ${timeoutSeconds} seconds`),
              ),
            timeoutSeconds * 1000,
          );
    const onAbort = (): void => reject(new ExecutionAborted());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    });
  });
}

async function runActivity(
  d: StateData,
  arn: string,
  args: unknown,
  timeoutSeconds?: number,
  heartbeatSeconds?: number,
): Promise<unknown> {
  const history = d.env.execution.history;
  const inputText = payloadText(args, 'activity input');
  history.add('ActivityScheduled', {
    resource: arn,
    input: jsonText(args),
    inputDetails: NOT_TRUNCATED,
    ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}),
    ...(heartbeatSeconds !== undefined ? { heartbeatInSeconds: heartbeatSeconds } : {}),
  });
  let outcome: ActivityOutcome;
  try {
    outcome = await d.env.services.activities.schedule(arn, inputText, {
      timeoutSeconds,
      heartbeatSeconds,
      signal: d.env.signal,
      onStarted: (workerName) => history.add('ActivityStarted', { workerName }),
    });
  } catch (error) {
    const code = error instanceof AwsError ? error.code : 'States.Runtime';
    const cause = (error as Error).message;
    history.add('ActivityScheduleFailed', { error: code, cause });
    throw new StatesError(code, cause);
  }
  return settle(d, outcome, {
    succeeded: (output) =>
      history.add('ActivitySucceeded', { output: jsonText(output), outputDetails: NOT_TRUNCATED }),
    failed: (error, cause) => history.add('ActivityFailed', { error, cause }),
    timedOut: (error, cause) => history.add('ActivityTimedOut', { error, cause }),
  });
}

interface SettleEvents {
  succeeded(output: unknown): void;
  failed(error: string, cause: string): void;
  timedOut(error: string, cause: string): void;
}

/** Turns an activity/callback outcome into the task's result or its error, recording the event. */
function settle(d: StateData, outcome: ActivityOutcome, events: SettleEvents): unknown {
  switch (outcome.status) {
    case 'SUCCEEDED': {
      let output: unknown;
      try {
        output = JSON.parse(outcome.output);
      } catch {
        events.failed('States.Runtime', 'The task output is not valid JSON');
        throw new StatesError('States.Runtime', 'The task output is not valid JSON');
      }
      payloadText(output, 'task output');
      events.succeeded(output);
      return output;
    }
    case 'FAILED': {
      const error = outcome.error ?? 'States.TaskFailed';
      const cause = outcome.cause ?? '';
      events.failed(error, cause);
      throw new StatesError(error, cause);
    }
    case 'TIMED_OUT': {
      const cause =
        outcome.error === 'States.HeartbeatTimeout'
          ? 'The task did not send a heartbeat in time'
          : 'The task did not finish in time';
      events.timedOut(outcome.error, cause);
      throw new StatesError(outcome.error, cause);
    }
    default:
      if (!d.env.signal.aborted) throw new StatesError('States.Runtime', 'The task was closed unexpectedly');
      throw new ExecutionAborted();
  }
}

/** `.waitForTaskToken`: call the integration with `$$.Task.Token`, then wait for SendTask*. */
async function runCallback(
  d: StateData,
  input: unknown,
  resource: Exclude<TaskResource, { kind: 'activity' }>,
  timeoutSeconds?: number,
  heartbeatSeconds?: number,
): Promise<unknown> {
  const history = d.env.execution.history;
  const { resourceType, resourceName } = names(resource);
  // Closing the callback when the call itself fails keeps no token open for nothing.
  const closeCallback = new AbortController();
  const signal = AbortSignal.any([d.env.signal, closeCallback.signal]);
  const callback = d.env.services.activities.createCallback({ timeoutSeconds, heartbeatSeconds, signal });
  const withToken: StateData = { ...d, context: { ...d.context, Task: { Token: callback.taskToken } } };
  // The outcome must be observed even when the call below fails, or its rejection goes unhandled.
  const outcome = callback.outcome.then(
    (o) => o,
    (e: unknown) => ({ status: 'FAILED', error: 'States.Runtime', cause: String(e) }) as const,
  );
  let response: unknown;
  const args = await taskArguments(withToken, input);
  scheduled(d, resourceType, resourceName, args, timeoutSeconds, heartbeatSeconds);
  history.add('TaskStarted', { resourceType, resource: resourceName });
  try {
    response = await callIntegration(resource, args, d.env);
  } catch (error) {
    closeCallback.abort();
    throw taskFailed(d, resourceType, resourceName, error);
  }
  history.add('TaskSubmitted', {
    resourceType,
    resource: resourceName,
    output: jsonText(response),
    outputDetails: NOT_TRUNCATED,
  });
  return settle(d, await outcome, {
    succeeded: (output) =>
      history.add('TaskSucceeded', {
        resourceType,
        resource: resourceName,
        output: jsonText(output),
        outputDetails: NOT_TRUNCATED,
      }),
    failed: (error, cause) =>
      history.add('TaskFailed', { resourceType, resource: resourceName, error, cause }),
    timedOut: (error, cause) =>
      history.add('TaskTimedOut', { resourceType, resource: resourceName, error, cause }),
  });
}
