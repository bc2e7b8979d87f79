/**
 * Drives a Map Run: reads items (ItemReader or the state's input array), applies ItemSelector
 * and ItemBatcher, starts one child execution per batch with at most MaxConcurrency running
 * (read live from the Map Run, so UpdateMapRun takes effect at once), moves the counts as
 * children start and close, fails with States.ExceedToleratedFailureThreshold past the
 * tolerated failures, and exports results with the ResultWriter.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { executionArn, mapRunArn, stateMachineArn } from './arns.ts';
import type { StateData } from './dataflow.ts';
import { processorOf, type StateMachineDefinition } from './definition.ts';
import type { Engine } from './engine.ts';
import { ExecutionAborted, StatesError } from './errors.ts';
import type { Execution, ExecutionStatus } from './execution.ts';
import { type Batch, batchItems } from './item-batcher.ts';
import { readItems } from './item-reader.ts';
import { itemsOf, makeItemInput } from './map-items.ts';
import { MapRun } from './map-run.ts';
import { resolveMapRunSettings } from './map-run-settings.ts';
import { type PendingEntry, writeResults } from './result-writer.ts';
import type { MapRunRequest } from './runtime.ts';
import { MAX_PAYLOAD_BYTES, payloadText } from './task.ts';

/** Items read ahead of dispatch: enough for DescribeMapRun to see the work, bounded for memory. */
const READ_AHEAD_ITEMS = 100_000;

/** What a Map Run label may be (the validator checks an explicit Label the same way). */
const LABEL = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/]{1,40}$/;

const COUNT_FIELD: Record<
  Exclude<ExecutionStatus, 'RUNNING'>,
  'succeeded' | 'failed' | 'timedOut' | 'aborted'
> = {
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  TIMED_OUT: 'timedOut',
  ABORTED: 'aborted',
};

/** Runs a Distributed Map state's Map Run; resolves with the state's raw result. */
export async function runMapRun(engine: Engine, request: MapRunRequest): Promise<unknown> {
  const { env, state, stateName, input, context } = request;
  const jsonata = (state.QueryLanguage ?? env.language) === 'JSONata';
  const d: StateData = { state, rawInput: input, context, env, jsonata };
  const settings = await resolveMapRunSettings(d, input);
  const parent = env.execution;
  const id = randomUUID();
  // Without a Label, AWS's Map Run ARNs carry the state's name (e.g. `mapRun:csvProcess/Map:<id>`).
  const label = state.Label ?? (LABEL.test(stateName) ? stateName : randomUUID().slice(0, 8));
  const childMachine = `${parent.stateMachineName.split('/')[0]}/${label}`;
  const run = new MapRun({
    arn: mapRunArn(
      parent.region,
      engine.services.accountId,
      parent.stateMachineName.split('/')[0]!,
      label,
      id,
    ),
    id,
    executionArn: parent.arn,
    stateMachineArn: stateMachineArn(parent.region, engine.services.accountId, childMachine),
    startDate: engine.services.clock.now(),
    settings,
  });
  engine.registry.addMapRun(run);
  parent.history.add('MapRunStarted', { mapRunArn: run.arn });

  const processor = processorOf(state);
  const definition: StateMachineDefinition = {
    StartAt: processor.StartAt,
    States: processor.States,
    QueryLanguage: processor.QueryLanguage ?? (jsonata ? 'JSONata' : 'JSONPath'),
  };
  const definitionText = JSON.stringify(definition);
  const childType = processor.ProcessorConfig?.ExecutionType ?? 'STANDARD';
  const runController = new AbortController();
  const runSignal = AbortSignal.any([env.signal, runController.signal]);
  // Every running child listens to this signal; up to MAX_CHILDREN at once.
  setMaxListeners(0, runSignal);
  // Whoever waits for a change (dispatcher, read-ahead) must see an abort at once.
  runSignal.addEventListener('abort', () => run.notify(), { once: true });

  const queue: { batch: Batch; index: number }[] = [];
  let readingDone = false;
  let failure: StatesError | undefined;
  const outputs: unknown[] = [];
  const pendingAtEnd: PendingEntry[] = [];
  let running = 0;
  // How many items each child carries (ResultWriter's resultsWritten counts items too).
  const itemsOfChild = new Map<Execution, number>();

  const fail = (error: StatesError): void => {
    if (failure) return;
    failure = error;
    runController.abort();
    run.notify();
  };

  const produce = async (): Promise<void> => {
    const source = settings.reader
      ? readItems(engine.services.s3, settings.reader)
      : arrayItems(await itemsOf(d, input));
    let index = 0;
    for await (const batch of batchItems(selectItems(d, input, source), settings.batcher)) {
      if (runSignal.aborted) break;
      queue.push({ batch, index: index++ });
      run.itemCounts.add('pending', batch.itemCount);
      run.executionCounts.add('pending', 1);
      run.notify();
      while (run.itemCounts.pending >= READ_AHEAD_ITEMS && !runSignal.aborted) await run.changed();
    }
  };

  const startChild = (entry: { batch: Batch; index: number }): void => {
    const { batch, index } = entry;
    const inputText = JSON.stringify(batch.input) ?? 'null';
    if (inputText.length > MAX_PAYLOAD_BYTES / 4 && Buffer.byteLength(inputText) > MAX_PAYLOAD_BYTES) {
      fail(
        new StatesError(
          'States.DataLimitExceeded',
          `A child execution's input has ${Buffer.byteLength(inputText)} bytes, over the limit of ${MAX_PAYLOAD_BYTES}; use a smaller MaxItemsPerBatch or MaxInputBytesPerBatch`,
        ),
      );
      return;
    }
    run.itemCounts.move('pending', 'running', batch.itemCount);
    run.executionCounts.move('pending', 'running', 1);
    running++;
    const childId = randomUUID();
    const child = engine.startExecution(
      {
        arn: executionArn(parent.region, engine.services.accountId, childMachine, childId),
        name: childId,
        region: parent.region,
        roleArn: parent.roleArn,
        stateMachineArn: run.stateMachineArn,
        stateMachineName: childMachine,
        definition,
        definitionText,
        input: inputText,
        inputValue: batch.input,
        type: childType,
        mapRunArn: run.arn,
        parentSignal: runSignal,
      },
      (closed) => {
        running--;
        const field = COUNT_FIELD[closed.status as Exclude<ExecutionStatus, 'RUNNING'>];
        run.itemCounts.move('running', field, batch.itemCount);
        run.executionCounts.move('running', field, 1);
        if (closed.status === 'SUCCEEDED' && !settings.writer)
          outputs[index] = JSON.parse(closed.output ?? 'null');
        closed.compact();
        if (!failure && !env.signal.aborted && closed.status !== 'SUCCEEDED' && run.exceedsTolerance(false)) {
          fail(thresholdError());
        }
        run.notify();
      },
    );
    run.children.push(child);
    itemsOfChild.set(child, batch.itemCount);
  };

  const producer = produce().then(
    () => {
      readingDone = true;
      run.notify();
    },
    (error: unknown) => {
      readingDone = true;
      fail(
        error instanceof StatesError
          ? error
          : new StatesError('States.ItemReaderFailed', (error as Error).message),
      );
    },
  );

  for (;;) {
    if (runSignal.aborted) break;
    if (queue.length > 0 && running < run.concurrencyLimit) {
      startChild(queue.shift()!);
      continue;
    }
    if (readingDone && queue.length === 0) break;
    await run.changed();
  }
  while (running > 0) await run.changed();
  await producer;
  for (const { batch } of queue) pendingAtEnd.push({ input: JSON.stringify(batch.input) });
  if (!failure && !env.signal.aborted && run.exceedsTolerance(true)) failure = thresholdError();

  const clock = engine.services.clock;
  if (env.signal.aborted) {
    run.close('ABORTED', clock.now());
    parent.history.add('MapRunAborted');
    throw new ExecutionAborted();
  }
  let result: unknown = outputs;
  if (!settings.writer && !failure) {
    try {
      payloadText(outputs, 'Map Run output (add a ResultWriter for large results)');
    } catch (error) {
      failure = error as StatesError;
    }
  }
  if (settings.writer) {
    try {
      const { manifestKey, written } = await writeResults(
        engine.services.s3,
        { ...settings.writer, mapRunArn: run.arn, mapRunId: run.id },
        run.children,
        pendingAtEnd,
      );
      for (const c of written) {
        run.itemCounts.add('resultsWritten', itemsOfChild.get(c) ?? 1);
        run.executionCounts.add('resultsWritten', 1);
      }
      result = {
        MapRunArn: run.arn,
        ResultWriterDetails: { Bucket: settings.writer.bucket, Key: manifestKey },
      };
    } catch (error) {
      failure ??=
        error instanceof StatesError ? error : new StatesError('States.ResultWriterFailed', String(error));
    }
  }
  if (failure) {
    run.close('FAILED', clock.now());
    parent.history.add('MapRunFailed', { error: failure.error, cause: failure.causeText });
    throw failure;
  }
  run.close('SUCCEEDED', clock.now());
  parent.history.add('MapRunSucceeded');
  return result;
}

const thresholdError = (): StatesError =>
  new StatesError(
    'States.ExceedToleratedFailureThreshold',
    'The specified tolerated failure threshold was exceeded',
  );

async function* arrayItems(items: readonly unknown[]): AsyncGenerator<unknown[]> {
  yield [...items];
}

/** Applies ItemSelector (with `$$.Map.Item.Index/Value`) to every item; chunks pass through untouched without one. */
async function* selectItems(
  d: StateData,
  input: unknown,
  chunks: AsyncIterable<unknown[]>,
): AsyncGenerator<unknown[]> {
  if ((d.state.ItemSelector ?? d.state.Parameters) === undefined) {
    yield* chunks;
    return;
  }
  const itemInput = makeItemInput(d, input);
  let index = 0;
  for await (const chunk of chunks) {
    const selected: unknown[] = [];
    for (const item of chunk) selected.push(await itemInput(item, index++));
    yield selected;
  }
}
