/**
 * Structural checks of a generated definition, shared by the generator tests. Each throws an
 * AssertionError naming the state that breaks the rule.
 */
import assert from 'node:assert/strict';
import { STATE_NAMES, type State, type StateMachineDefinition, type TaskState } from '@stepfleet/job';

type States = Readonly<Record<string, State>>;

/** Every state of a definition, nested ones (the Map's ItemProcessor) included, with its container. */
export function everyState(
  definition: StateMachineDefinition,
): { name: string; state: State; container: States }[] {
  const found: { name: string; state: State; container: States }[] = [];
  const walk = (states: States) => {
    for (const [name, state] of Object.entries(states)) {
      found.push({ name, state, container: states });
      if (state.Type === 'Map') walk(state.ItemProcessor.States);
    }
  };
  walk(definition.States);
  return found;
}

/** The states a state may go to next: `Next` and every `Catch` target. */
export function successors(state: State): string[] {
  const next = 'Next' in state && state.Next ? [state.Next] : [];
  const catches = 'Catch' in state && state.Catch ? state.Catch.map((c) => c.Next) : [];
  return [...next, ...catches];
}

/** Every transition lands on a state of the same container; every state is reachable; ends are explicit. */
export function assertWellFormed(definition: StateMachineDefinition): void {
  const containers: { startAt: string; states: States }[] = [
    { startAt: definition.StartAt, states: definition.States },
  ];
  for (const { state } of everyState(definition)) {
    if (state.Type === 'Map')
      containers.push({ startAt: state.ItemProcessor.StartAt, states: state.ItemProcessor.States });
  }
  for (const { startAt, states } of containers) {
    assert.ok(states[startAt], `StartAt ${startAt} is a state`);
    const reached = new Set<string>([startAt]);
    const queue = [startAt];
    while (queue.length > 0) {
      const name = queue.shift()!;
      const state = states[name]!;
      const terminal =
        state.Type === 'Succeed' || state.Type === 'Fail' || ('End' in state && state.End === true);
      const next = successors(state);
      assert.ok(terminal || ('Next' in state && state.Next), `${name} has Next or ends`);
      for (const target of next) {
        assert.ok(states[target], `${name} goes to ${target}, which exists`);
        if (!reached.has(target)) {
          reached.add(target);
          queue.push(target);
        }
      }
    }
    assert.deepEqual([...reached].sort(), Object.keys(states).sort(), 'every state is reachable');
  }
}

/**
 * Every top-level state that can fail (Task, Map) catches `States.ALL` into ScaleDownOnFailure
 * with the error kept at `$.failure`; only ScaleDownOnFailure leads to Failed; Failed fails with
 * the error and cause from `$.failure`; ScaleDownOnFailure keeps `$.failure` even when it fails.
 */
export function assertFailurePathsScaleDown(definition: StateMachineDefinition): void {
  const S = STATE_NAMES;
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Task' && state.Type !== 'Map') continue;
    if (name === S.scaleDownOnFailure) continue;
    assert.deepEqual(
      state.Catch,
      [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: S.scaleDownOnFailure }],
      `${name} catches everything into ScaleDownOnFailure`,
    );
  }
  for (const [name, state] of Object.entries(definition.States)) {
    if (successors(state).includes(S.failed))
      assert.equal(name, S.scaleDownOnFailure, `${name} skips the scale-down`);
  }
  const onFailure = definition.States[S.scaleDownOnFailure] as TaskState;
  assert.equal(onFailure.Type, 'Task');
  assert.equal(onFailure.Next, S.failed);
  assert.equal(onFailure.ResultPath, null, 'the scale-down result does not overwrite $.failure');
  for (const c of onFailure.Catch ?? []) {
    assert.equal(c.Next, S.failed);
    assert.ok(
      c.ResultPath !== '$' && c.ResultPath !== '$.failure',
      'its own failure does not hide the original',
    );
  }
  assert.deepEqual(definition.States[S.failed], {
    Type: 'Fail',
    Comment: 'Fails with the error and cause caught on the way here',
    ErrorPath: '$.failure.Error',
    CausePath: '$.failure.Cause',
  });
}

/** Every Task has a TimeoutSeconds; every activity Task (the workers') also HeartbeatSeconds below it. */
export function assertTaskClocks(definition: StateMachineDefinition): TaskState[] {
  const activities: TaskState[] = [];
  for (const { name, state } of everyState(definition)) {
    if (state.Type !== 'Task') continue;
    assert.ok(
      Number.isInteger(state.TimeoutSeconds) && state.TimeoutSeconds > 0,
      `${name} has TimeoutSeconds`,
    );
    if (isActivity(state)) {
      activities.push(state);
      assert.ok(state.HeartbeatSeconds !== undefined, `${name} has HeartbeatSeconds`);
      assert.ok(state.HeartbeatSeconds < state.TimeoutSeconds, `${name}: HeartbeatSeconds < TimeoutSeconds`);
    }
  }
  return activities;
}

/** Whether a Task runs an activity (its Resource is an activity ARN, not a service integration). */
export function isActivity(state: TaskState): boolean {
  return !state.Resource.startsWith('arn:aws:states:::');
}

/** The state names along the success path, from StartAt following `Next` only. */
export function successPath(definition: StateMachineDefinition): string[] {
  const path: string[] = [];
  let name: string | undefined = definition.StartAt;
  while (name !== undefined) {
    path.push(name);
    const state: State = definition.States[name]!;
    name = 'Next' in state ? state.Next : undefined;
  }
  return path;
}

/**
 * Evaluates a JSONPath `Parameters` template the way Step Functions does for the simple paths
 * the generator uses (`$.a.b`, `$$.A.B`): keys ending in `.$` take the value at their path.
 */
export function applyParameters(template: unknown, input: unknown, context: unknown): unknown {
  if (Array.isArray(template)) return template.map((v) => applyParameters(v, input, context));
  if (typeof template !== 'object' || template === null) return template;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) {
      assert.equal(typeof value, 'string', `${key} holds a path`);
      out[key.slice(0, -2)] = readPath(value as string, input, context);
    } else {
      out[key] = applyParameters(value, input, context);
    }
  }
  return out;
}

function readPath(path: string, input: unknown, context: unknown): unknown {
  const [root, rest] = path.startsWith('$$') ? [context, path.slice(2)] : [input, path.slice(1)];
  let value: unknown = root;
  for (const part of rest.split('.').filter(Boolean)) {
    assert.ok(typeof value === 'object' && value !== null && part in value, `path ${path} exists`);
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
