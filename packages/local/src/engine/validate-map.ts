/** Validation of Map states: ItemProcessor / ProcessorConfig, ItemReader, ItemBatcher, ResultWriter, tolerated failure. */
import type { QueryLanguage } from './definition.ts';
import { isObject } from './json-value.ts';
import { isJsonataExpression } from './jsonata-eval.ts';
import {
  checkNumberOrExpression,
  checkPayload,
  checkReferencePath,
  isNonNegativeInt,
  isPositiveInt,
  type JsonCheck,
  schema,
  unsupported,
  type Walk,
} from './validate-checks.ts';
import { DISTRIBUTED_ONLY } from './validate-fields.ts';

/** Validates a nested container (the processor); passed in to keep the import graph acyclic. */
type ContainerCheck = (
  container: Record<string, unknown>,
  at: string,
  language: QueryLanguage,
  walk: Walk,
  extra?: string[],
) => void;

const MAX_BATCH_BYTES = 262_144; // ItemBatcher.MaxInputBytesPerBatch upper bound (AWS docs: 256 KiB).

/** A Map state: its processor (recursively), and the INLINE / DISTRIBUTED fields. */
export function checkMap(
  state: Record<string, unknown>,
  at: string,
  language: QueryLanguage,
  walk: Walk,
  j: JsonCheck,
  checkContainer: ContainerCheck,
): void {
  const { problems } = walk;
  if (state.ItemProcessor !== undefined && state.Iterator !== undefined)
    problems.push(schema('Only one of ItemProcessor and Iterator may be set', at));
  const field = state.ItemProcessor !== undefined ? 'ItemProcessor' : 'Iterator';
  const processor = state[field];
  if (!isObject(processor)) {
    problems.push(schema('A Map state needs an ItemProcessor', `${at}/ItemProcessor`));
    return;
  }
  const config = processor.ProcessorConfig;
  let distributed = false;
  let express = walk.express;
  if (config !== undefined) {
    if (!isObject(config))
      problems.push(schema('ProcessorConfig must be an object', `${at}/${field}/ProcessorConfig`));
    else {
      for (const k of Object.keys(config))
        if (k !== 'Mode' && k !== 'ExecutionType')
          problems.push(unsupported(k, `${at}/${field}/ProcessorConfig/${k}`));
      if (config.Mode !== undefined && config.Mode !== 'INLINE' && config.Mode !== 'DISTRIBUTED')
        problems.push(
          schema("Mode must be 'INLINE' or 'DISTRIBUTED'", `${at}/${field}/ProcessorConfig/Mode`),
        );
      distributed = config.Mode === 'DISTRIBUTED';
      if (distributed) {
        if (config.ExecutionType !== 'STANDARD' && config.ExecutionType !== 'EXPRESS') {
          problems.push(
            schema(
              "A DISTRIBUTED ItemProcessor needs ExecutionType 'STANDARD' or 'EXPRESS'",
              `${at}/${field}/ProcessorConfig/ExecutionType`,
            ),
          );
        }
        express = config.ExecutionType === 'EXPRESS';
      } else if (config.ExecutionType !== undefined) {
        problems.push(unsupported('ExecutionType', `${at}/${field}/ProcessorConfig/ExecutionType`));
      }
    }
  }
  checkContainer(processor, `${at}/${field}`, language, { problems, express }, ['ProcessorConfig']);
  if (!distributed) {
    for (const f of DISTRIBUTED_ONLY)
      if (state[f] !== undefined)
        problems.push(schema(`The field '${f}' needs a DISTRIBUTED ItemProcessor`, `${at}/${f}`));
  }
  if (state.ItemsPath !== undefined) checkReferencePath(state.ItemsPath, `${at}/ItemsPath`, j);
  if (state.Items !== undefined && !isJsonataExpression(state.Items) && !Array.isArray(state.Items))
    problems.push(schema('Items must be an array or a JSONata expression', `${at}/Items`));
  if (state.Items !== undefined) checkPayload(state.Items, `${at}/Items`, j);
  if (state.Parameters !== undefined && state.ItemSelector !== undefined)
    problems.push(schema('Only one of Parameters and ItemSelector may be set', at));
  if (state.ItemReader !== undefined && (state.ItemsPath !== undefined || state.Items !== undefined))
    problems.push(schema('ItemReader cannot be combined with ItemsPath or Items', `${at}/ItemReader`));
  checkNumberOrExpression(
    state.MaxConcurrency,
    `${at}/MaxConcurrency`,
    j,
    isNonNegativeInt,
    'MaxConcurrency must be a non-negative integer',
  );
  checkNumberOrExpression(
    state.ToleratedFailurePercentage,
    `${at}/ToleratedFailurePercentage`,
    j,
    (n) => typeof n === 'number' && n >= 0 && n <= 100,
    'ToleratedFailurePercentage must be a number from 0 to 100',
  );
  checkNumberOrExpression(
    state.ToleratedFailureCount,
    `${at}/ToleratedFailureCount`,
    j,
    isNonNegativeInt,
    'ToleratedFailureCount must be a non-negative integer',
  );
  for (const f of ['MaxConcurrencyPath', 'ToleratedFailurePercentagePath', 'ToleratedFailureCountPath'])
    if (state[f] !== undefined) checkReferencePath(state[f], `${at}/${f}`, j);
  if (
    state.Label !== undefined &&
    (typeof state.Label !== 'string' || !/^[^\s<>{}[\]?*"#%\\^|~`$&,;:/]{1,40}$/.test(state.Label))
  ) {
    problems.push(
      schema('Label must be 1 to 40 characters without spaces or special characters', `${at}/Label`),
    );
  }
  if (state.ItemReader !== undefined) checkItemReader(state.ItemReader, `${at}/ItemReader`, j);
  if (state.ItemBatcher !== undefined) checkItemBatcher(state.ItemBatcher, `${at}/ItemBatcher`, j);
  if (state.ResultWriter !== undefined) checkResultWriter(state.ResultWriter, `${at}/ResultWriter`, j);
}

const READERS = ['arn:aws:states:::s3:listObjectsV2', 'arn:aws:states:::s3:getObject'];

function checkItemReader(reader: unknown, at: string, j: JsonCheck): void {
  if (!isObject(reader)) return void j.problems.push(schema('ItemReader must be an object', at));
  const args = j.language === 'JSONata' ? 'Arguments' : 'Parameters';
  for (const k of Object.keys(reader))
    if (!['Resource', 'ReaderConfig', args].includes(k)) j.problems.push(unsupported(k, `${at}/${k}`));
  if (typeof reader.Resource !== 'string' || !READERS.includes(reader.Resource)) {
    j.problems.push(schema(`ItemReader Resource must be one of ${READERS.join(', ')}`, `${at}/Resource`));
  }
  const params = reader[args];
  if (!isObject(params) && !isJsonataExpression(params))
    j.problems.push(schema(`ItemReader needs ${args} with Bucket`, `${at}/${args}`));
  else if (isObject(params)) {
    const allowed =
      reader.Resource === 'arn:aws:states:::s3:listObjectsV2' ? ['Bucket', 'Prefix'] : ['Bucket', 'Key'];
    for (const k of Object.keys(params))
      if (!allowed.includes(k.replace(/\.\$$/, ''))) j.problems.push(unsupported(k, `${at}/${args}/${k}`));
    checkPayload(params, `${at}/${args}`, j);
  }
  const config = reader.ReaderConfig;
  const getObject = reader.Resource === 'arn:aws:states:::s3:getObject';
  if (config === undefined) {
    if (getObject) j.problems.push(schema('s3:getObject needs ReaderConfig.InputType', `${at}/ReaderConfig`));
    return;
  }
  if (!isObject(config))
    return void j.problems.push(schema('ReaderConfig must be an object', `${at}/ReaderConfig`));
  const cat = `${at}/ReaderConfig`;
  const allowed = [
    'InputType',
    'CSVHeaderLocation',
    'CSVHeaders',
    'CSVDelimiter',
    'MaxItems',
    'MaxItemsPath',
  ];
  for (const k of Object.keys(config))
    if (!allowed.includes(k)) j.problems.push(unsupported(k, `${cat}/${k}`));
  if (getObject && !['CSV', 'JSON', 'JSONL', 'MANIFEST'].includes(config.InputType as string)) {
    j.problems.push(schema('InputType must be CSV, JSON, JSONL or MANIFEST', `${cat}/InputType`));
  }
  if (!getObject && config.InputType !== undefined)
    j.problems.push(schema('InputType applies to s3:getObject only', `${cat}/InputType`));
  const csv = config.InputType === 'CSV';
  for (const k of ['CSVHeaderLocation', 'CSVHeaders', 'CSVDelimiter'])
    if (!csv && config[k] !== undefined) j.problems.push(schema(`${k} applies to CSV only`, `${cat}/${k}`));
  if (csv) {
    if (
      config.CSVHeaderLocation !== undefined &&
      config.CSVHeaderLocation !== 'FIRST_ROW' &&
      config.CSVHeaderLocation !== 'GIVEN'
    )
      j.problems.push(schema("CSVHeaderLocation must be 'FIRST_ROW' or 'GIVEN'", `${cat}/CSVHeaderLocation`));
    const given = config.CSVHeaderLocation === 'GIVEN';
    if (given !== (config.CSVHeaders !== undefined))
      j.problems.push(
        schema('CSVHeaders is required with, and only with, CSVHeaderLocation GIVEN', `${cat}/CSVHeaders`),
      );
    if (
      config.CSVHeaders !== undefined &&
      !(
        Array.isArray(config.CSVHeaders) &&
        config.CSVHeaders.length > 0 &&
        config.CSVHeaders.every((h) => typeof h === 'string')
      )
    )
      j.problems.push(schema('CSVHeaders must be a non-empty array of strings', `${cat}/CSVHeaders`));
    if (
      config.CSVDelimiter !== undefined &&
      !['COMMA', 'PIPE', 'SEMICOLON', 'SPACE', 'TAB'].includes(config.CSVDelimiter as string)
    )
      j.problems.push(
        schema('CSVDelimiter must be COMMA, PIPE, SEMICOLON, SPACE or TAB', `${cat}/CSVDelimiter`),
      );
  }
  checkNumberOrExpression(
    config.MaxItems,
    `${cat}/MaxItems`,
    j,
    (n) => isPositiveInt(n) && (n as number) <= 100_000_000,
    'MaxItems must be an integer from 1 to 100,000,000',
  );
  if (config.MaxItemsPath !== undefined) checkReferencePath(config.MaxItemsPath, `${cat}/MaxItemsPath`, j);
}

function checkItemBatcher(batcher: unknown, at: string, j: JsonCheck): void {
  if (!isObject(batcher)) return void j.problems.push(schema('ItemBatcher must be an object', at));
  const allowed = [
    'MaxItemsPerBatch',
    'MaxItemsPerBatchPath',
    'MaxInputBytesPerBatch',
    'MaxInputBytesPerBatchPath',
    'BatchInput',
  ];
  for (const k of Object.keys(batcher))
    if (!allowed.includes(k)) j.problems.push(unsupported(k, `${at}/${k}`));
  checkNumberOrExpression(
    batcher.MaxItemsPerBatch,
    `${at}/MaxItemsPerBatch`,
    j,
    isPositiveInt,
    'MaxItemsPerBatch must be a positive integer',
  );
  checkNumberOrExpression(
    batcher.MaxInputBytesPerBatch,
    `${at}/MaxInputBytesPerBatch`,
    j,
    (n) => isPositiveInt(n) && (n as number) <= MAX_BATCH_BYTES,
    `MaxInputBytesPerBatch must be an integer from 1 to ${MAX_BATCH_BYTES}`,
  );
  for (const f of ['MaxItemsPerBatchPath', 'MaxInputBytesPerBatchPath'])
    if (batcher[f] !== undefined) checkReferencePath(batcher[f], `${at}/${f}`, j);
  if (
    ['MaxItemsPerBatch', 'MaxItemsPerBatchPath', 'MaxInputBytesPerBatch', 'MaxInputBytesPerBatchPath'].every(
      (f) => batcher[f] === undefined,
    )
  ) {
    j.problems.push(schema('ItemBatcher needs MaxItemsPerBatch or MaxInputBytesPerBatch', at));
  }
  if (batcher.BatchInput !== undefined) checkPayload(batcher.BatchInput, `${at}/BatchInput`, j);
}

function checkResultWriter(writer: unknown, at: string, j: JsonCheck): void {
  if (!isObject(writer)) return void j.problems.push(schema('ResultWriter must be an object', at));
  const args = j.language === 'JSONata' ? 'Arguments' : 'Parameters';
  for (const k of Object.keys(writer))
    if (!['Resource', args].includes(k)) j.problems.push(unsupported(k, `${at}/${k}`));
  if (writer.Resource !== 'arn:aws:states:::s3:putObject')
    j.problems.push(
      schema("ResultWriter Resource must be 'arn:aws:states:::s3:putObject'", `${at}/Resource`),
    );
  const params = writer[args];
  if (!isObject(params)) j.problems.push(schema(`ResultWriter needs ${args} with Bucket`, `${at}/${args}`));
  else {
    for (const k of Object.keys(params))
      if (!['Bucket', 'Prefix'].includes(k.replace(/\.\$$/, '')))
        j.problems.push(unsupported(k, `${at}/${args}/${k}`));
    checkPayload(params, `${at}/${args}`, j);
  }
}
