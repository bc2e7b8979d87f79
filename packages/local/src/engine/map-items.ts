/**
 * The parts of a Map state shared by INLINE and DISTRIBUTED mode: which items it iterates
 * (ItemsPath / Items), what each iteration receives (ItemSelector, legacy Parameters, with
 * `$$.Map.Item`), and the limits read from the state (MaxConcurrency and their Path forms).
 */
import { dynamicField, type StateData } from './dataflow.ts';
import { StatesError } from './errors.ts';
import { evaluateJsonataTemplate, isJsonataExpression } from './jsonata-eval.ts';
import { evaluateTemplate, resolveReference } from './payload.ts';

/** The array an INLINE Map (or a Distributed Map without ItemReader) iterates. */
export async function itemsOf(d: StateData, input: unknown): Promise<unknown[]> {
  let items: unknown;
  if (d.jsonata) {
    const items_ = d.state.Items;
    items =
      items_ === undefined
        ? d.rawInput
        : isJsonataExpression(items_) || typeof items_ === 'object'
          ? await evaluateJsonataTemplate(
              items_,
              { input: d.rawInput, context: d.context },
              d.env.variables,
              'Items',
            )
          : items_;
  } else {
    items =
      d.state.ItemsPath === undefined
        ? input
        : resolveReference(
            d.state.ItemsPath,
            input,
            { context: d.context, variables: d.env.variables },
            'ItemsPath',
          );
  }
  if (!Array.isArray(items)) {
    throw new StatesError(
      'States.Runtime',
      `The Map state's items must be a JSON array, got ${JSON.stringify(items)?.slice(0, 100)}`,
    );
  }
  return items;
}

/** Builds the input of one iteration from its item (ItemSelector / Parameters, else the item). */
export function makeItemInput(
  d: StateData,
  input: unknown,
): (value: unknown, index: number) => Promise<unknown> {
  const selector = d.state.ItemSelector ?? d.state.Parameters;
  if (selector === undefined) return async (value) => value;
  return async (value, index) => {
    const context = { ...d.context, Map: { Item: { Index: index, Value: value } } };
    if (d.jsonata)
      return evaluateJsonataTemplate(
        selector,
        { input: d.rawInput, context },
        d.env.variables,
        'ItemSelector',
      );
    return evaluateTemplate(selector, input, { context, variables: d.env.variables });
  };
}

/** Reads an integer setting given directly, as `{% %}`, or through its `Path` field. */
export async function integerSetting(
  d: StateData,
  input: unknown,
  value: unknown,
  path: string | undefined,
  field: string,
  fallback: number,
): Promise<number> {
  const resolved = await dynamicField(d, input, value, path, field);
  if (resolved === undefined) return fallback;
  if (typeof resolved !== 'number' || !Number.isFinite(resolved) || resolved < 0) {
    throw new StatesError(
      'States.Runtime',
      `${field} must be a non-negative number, got ${JSON.stringify(resolved)}`,
    );
  }
  return resolved;
}
