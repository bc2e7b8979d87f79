/** The intrinsic functions, with the inputs and results of the AWS documentation's examples. */
import { type ConformanceCase, single } from '../case.ts';

const pass = (parameters: Record<string, unknown>): unknown =>
  single({ Type: 'Pass', Parameters: parameters });

export const intrinsicCases: ConformanceCase[] = [
  {
    name: 'States.Format, StringToJson, JsonToString',
    definition: pass({
      'greeting.$': "States.Format('Hello, my name is {}.', $.name)",
      'parsed.$': 'States.StringToJson($.escaped)',
      'text.$': 'States.JsonToString($.obj)',
      'escaped.$': "States.Format('literal \\{\\} and {}', 1)",
    }),
    input: { name: 'Arnav', escaped: '{"foo": "bar"}', obj: { a: [1, 'x'] } },
    output: {
      greeting: 'Hello, my name is Arnav.',
      parsed: { foo: 'bar' },
      text: '{"a":[1,"x"]}',
      escaped: 'literal {} and 1',
    },
  },
  {
    name: 'States.Array, ArrayPartition, ArrayContains, ArrayRange, ArrayGetItem, ArrayLength, ArrayUnique',
    definition: pass({
      'array.$': 'States.Array($.a, $.b, 3)',
      'partition.$': 'States.ArrayPartition($.inputArray, 4)',
      'contains.$': 'States.ArrayContains($.inputArray, $.lookingFor)',
      'range.$': 'States.ArrayRange(1, 9, 2)',
      'item.$': 'States.ArrayGetItem($.inputArray, $.index)',
      'length.$': 'States.ArrayLength($.inputArray)',
      'unique.$': 'States.ArrayUnique($.dupes)',
    }),
    input: {
      a: 'x',
      b: { y: 1 },
      inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9],
      lookingFor: 5,
      index: 5,
      dupes: [1, 2, 3, 3, 3, 3, 3, 3, 4],
    },
    output: {
      array: ['x', { y: 1 }, 3],
      partition: [[1, 2, 3, 4], [5, 6, 7, 8], [9]],
      contains: true,
      range: [1, 3, 5, 7, 9],
      item: 6,
      length: 9,
      unique: [1, 2, 3, 4],
    },
  },
  {
    name: 'States.Base64Encode, Base64Decode, Hash',
    definition: pass({
      'encoded.$': 'States.Base64Encode($.input)',
      'decoded.$': 'States.Base64Decode($.base64)',
      'hash.$': 'States.Hash($.Data, $.Algorithm)',
    }),
    input: {
      input: 'Data to encode',
      base64: 'RGF0YSB0byBlbmNvZGU=',
      Data: 'input data',
      Algorithm: 'SHA-1',
    },
    output: {
      encoded: 'RGF0YSB0byBlbmNvZGU=',
      decoded: 'Data to encode',
      hash: 'aaff4a450a104cd177d28d18d74485e8cae074b7',
    },
  },
  {
    name: 'States.JsonMerge, MathAdd, StringSplit',
    definition: pass({
      'merged.$': 'States.JsonMerge($.json1, $.json2, false)',
      'sum.$': 'States.MathAdd($.value1, $.step)',
      'split.$': 'States.StringSplit($.inputString, $.splitter)',
    }),
    input: {
      json1: { a: { a1: 1, a2: 2 }, b: 2 },
      json2: { a: { a3: 1, a4: 2 }, c: 3 },
      value1: 111,
      step: -1,
      inputString: '1,2,3,4,5',
      splitter: ',',
    },
    output: { merged: { a: { a3: 1, a4: 2 }, b: 2, c: 3 }, sum: 110, split: ['1', '2', '3', '4', '5'] },
  },
  {
    name: 'States.MathRandom stays in range; States.UUID is a v4 UUID',
    definition: pass({
      'r.$': 'States.MathRandom($.start, $.end)',
      'seeded.$': 'States.MathRandom(1, 999, 7)',
      'id.$': 'States.UUID()',
    }),
    input: { start: 1, end: 10 },
    check: (r) => {
      const o = r.output as { r: number; seeded: number; id: string };
      if (!(o.r >= 1 && o.r < 10 && Number.isInteger(o.r)))
        throw new Error(`MathRandom out of range: ${o.r}`);
      if (!(o.seeded >= 1 && o.seeded < 999)) throw new Error(`seeded MathRandom out of range: ${o.seeded}`);
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(o.id))
        throw new Error(`not a UUID: ${o.id}`);
    },
  },
  {
    name: 'A bad intrinsic argument fails with States.IntrinsicFailure',
    definition: pass({ 'x.$': 'States.ArrayGetItem($.a, 5)' }),
    input: { a: [1] },
    error: 'States.IntrinsicFailure',
  },
];
