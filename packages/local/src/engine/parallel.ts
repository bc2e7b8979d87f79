/**
 * Parallel and INLINE Map: iterations run inside the parent execution (their events land in
 * its history), each with a child variable scope. The first failure aborts the siblings and
 * fails the state; Retry/Catch of the state then apply.
 */
import type { StateData } from './dataflow.ts';
import { processorOf, type StatesContainer } from './definition.ts';
import { ExecutionAborted } from './errors.ts';
import { integerSetting, itemsOf, makeItemInput } from './map-items.ts';
import type { RunEnv } from './runtime.ts';
import { VariableScope } from './variables.ts';

/** The interpreter's container runner, passed in to keep the import graph acyclic. */
export type ContainerRunner = (container: StatesContainer, input: unknown, env: RunEnv) => Promise<unknown>;

/**
 * Runs `count` jobs with at most `limit` at once (0 = no limit); the first rejection aborts
 * `controller` and is rethrown once every started job has settled.
 */
async function runPool(
  count: number,
  limit: number,
  controller: AbortController,
  job: (index: number) => Promise<void>,
): Promise<void> {
  let nextIndex = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (nextIndex < count && !failure) {
      const index = nextIndex++;
      try {
        await job(index);
      } catch (error) {
        if (!failure) failure = { error };
        controller.abort();
      }
    }
  };
  const width = limit > 0 ? Math.min(limit, count) : count;
  await Promise.all(Array.from({ length: width }, worker));
  if (failure) throw failure.error;
}

/** Runs a Parallel state's branches on `input`; resolves with their outputs in order. */
export async function runParallel(d: StateData, input: unknown, run: ContainerRunner): Promise<unknown[]> {
  const history = d.env.execution.history;
  const branches = d.state.Branches ?? [];
  const controller = new AbortController();
  const signal = AbortSignal.any([d.env.signal, controller.signal]);
  const outputs = new Array<unknown>(branches.length);
  history.add('ParallelStateStarted');
  try {
    await runPool(branches.length, 0, controller, async (i) => {
      outputs[i] = await run(branches[i]!, input, {
        ...d.env,
        signal,
        variables: new VariableScope(d.env.variables),
      });
    });
  } catch (error) {
    history.add(d.env.signal.aborted ? 'ParallelStateAborted' : 'ParallelStateFailed');
    throw error;
  }
  history.add('ParallelStateSucceeded');
  return outputs;
}

/** Runs an INLINE Map; resolves with the iterations' outputs in item order. */
export async function runInlineMap(
  name: string,
  d: StateData,
  input: unknown,
  run: ContainerRunner,
): Promise<unknown[]> {
  const history = d.env.execution.history;
  const items = await itemsOf(d, input);
  const limit = await integerSetting(
    d,
    input,
    d.state.MaxConcurrency,
    d.state.MaxConcurrencyPath,
    'MaxConcurrency',
    0,
  );
  const itemInput = makeItemInput(d, input);
  const processor = processorOf(d.state);
  const controller = new AbortController();
  const signal = AbortSignal.any([d.env.signal, controller.signal]);
  const outputs = new Array<unknown>(items.length);
  history.add('MapStateStarted', { length: items.length });
  try {
    await runPool(items.length, limit, controller, async (index) => {
      const value = await itemInput(items[index], index);
      history.add('MapIterationStarted', { name, index });
      try {
        outputs[index] = await run(processor, value, {
          ...d.env,
          signal,
          variables: new VariableScope(d.env.variables),
        });
      } catch (error) {
        history.add(error instanceof ExecutionAborted ? 'MapIterationAborted' : 'MapIterationFailed', {
          name,
          index,
        });
        throw error;
      }
      history.add('MapIterationSucceeded', { name, index });
    });
  } catch (error) {
    history.add(d.env.signal.aborted ? 'MapStateAborted' : 'MapStateFailed');
    throw error;
  }
  history.add('MapStateSucceeded');
  return outputs;
}
