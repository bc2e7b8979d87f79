/**
 * A Distributed Map's settings, resolved when the state starts: MaxConcurrency, tolerated
 * failure, the ItemReader's bucket/key/prefix and MaxItems, the ItemBatcher's limits and
 * BatchInput, the ResultWriter's bucket and prefix (each from literals, `{% %}` or Path forms).
 */
import type { StateData } from './dataflow.ts';
import { StatesError } from './errors.ts';
import type { BatcherSettings } from './item-batcher.ts';
import type { ResolvedItemReader } from './item-reader.ts';
import { isObject } from './json-value.ts';
import { evaluateJsonataTemplate } from './jsonata-eval.ts';
import { integerSetting } from './map-items.ts';
import { evaluateTemplate } from './payload.ts';

/** Everything a Map Run needs from its state, evaluated. */
export interface MapRunSettings {
  readonly maxConcurrency: number;
  readonly toleratedFailurePercentage: number | undefined;
  readonly toleratedFailureCount: number | undefined;
  readonly reader: ResolvedItemReader | undefined;
  readonly batcher: BatcherSettings | undefined;
  readonly writer: { readonly bucket: string; readonly prefix: string } | undefined;
}

async function template(d: StateData, input: unknown, value: unknown, field: string): Promise<unknown> {
  if (d.jsonata)
    return evaluateJsonataTemplate(value, { input: d.rawInput, context: d.context }, d.env.variables, field);
  return evaluateTemplate(value, input, { context: d.context, variables: d.env.variables });
}

async function optionalNumber(
  d: StateData,
  input: unknown,
  value: unknown,
  path: string | undefined,
  field: string,
): Promise<number | undefined> {
  if (value === undefined && path === undefined) return undefined;
  return integerSetting(d, input, value, path, field, 0);
}

/** Evaluates the Map state's Distributed Map settings against its effective input. */
export async function resolveMapRunSettings(d: StateData, input: unknown): Promise<MapRunSettings> {
  const s = d.state;
  const maxConcurrency = await integerSetting(
    d,
    input,
    s.MaxConcurrency,
    s.MaxConcurrencyPath,
    'MaxConcurrency',
    0,
  );
  const toleratedFailurePercentage = await optionalNumber(
    d,
    input,
    s.ToleratedFailurePercentage,
    s.ToleratedFailurePercentagePath,
    'ToleratedFailurePercentage',
  );
  if (toleratedFailurePercentage !== undefined && toleratedFailurePercentage > 100)
    throw new StatesError('States.Runtime', 'ToleratedFailurePercentage must be between 0 and 100');
  const toleratedFailureCount = await optionalNumber(
    d,
    input,
    s.ToleratedFailureCount,
    s.ToleratedFailureCountPath,
    'ToleratedFailureCount',
  );

  let reader: ResolvedItemReader | undefined;
  if (s.ItemReader) {
    const r = s.ItemReader;
    const params = await template(d, input, d.jsonata ? r.Arguments : r.Parameters, 'ItemReader');
    if (!isObject(params) || typeof params.Bucket !== 'string')
      throw new StatesError('States.ItemReaderFailed', 'The ItemReader parameters must give a Bucket string');
    const config = r.ReaderConfig ?? {};
    const maxItems = (await optionalNumber(d, input, config.MaxItems, config.MaxItemsPath, 'MaxItems')) ?? 0;
    reader = {
      resource: r.Resource,
      bucket: params.Bucket,
      key: typeof params.Key === 'string' ? params.Key : undefined,
      prefix: typeof params.Prefix === 'string' ? params.Prefix : undefined,
      config,
      maxItems,
    };
  }

  let batcher: BatcherSettings | undefined;
  if (s.ItemBatcher) {
    const b = s.ItemBatcher;
    batcher = {
      maxItems:
        (await optionalNumber(d, input, b.MaxItemsPerBatch, b.MaxItemsPerBatchPath, 'MaxItemsPerBatch')) ?? 0,
      maxBytes:
        (await optionalNumber(
          d,
          input,
          b.MaxInputBytesPerBatch,
          b.MaxInputBytesPerBatchPath,
          'MaxInputBytesPerBatch',
        )) ?? 0,
      batchInput:
        b.BatchInput === undefined ? undefined : await template(d, input, b.BatchInput, 'BatchInput'),
    };
    if (batcher.maxBytes > 262_144)
      throw new StatesError('States.Runtime', 'MaxInputBytesPerBatch must be at most 262144');
  }

  let writer: MapRunSettings['writer'];
  if (s.ResultWriter) {
    const params = await template(
      d,
      input,
      d.jsonata ? s.ResultWriter.Arguments : s.ResultWriter.Parameters,
      'ResultWriter',
    );
    if (!isObject(params) || typeof params.Bucket !== 'string')
      throw new StatesError(
        'States.ResultWriterFailed',
        'The ResultWriter parameters must give a Bucket string',
      );
    writer = { bucket: params.Bucket, prefix: typeof params.Prefix === 'string' ? params.Prefix : '' };
  }
  return { maxConcurrency, toleratedFailurePercentage, toleratedFailureCount, reader, batcher, writer };
}
