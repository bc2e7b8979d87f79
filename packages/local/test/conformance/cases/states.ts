/** Every state type and the JSONPath data flow, with the examples of the AWS documentation. */
import { type ConformanceCase, single } from '../case.ts';

export const stateCases: ConformanceCase[] = [
  {
    name: 'Pass: Result placed by ResultPath (AWS Pass state example)',
    definition: single({
      Type: 'Pass',
      Result: { 'x-datum': 0.381018, 'y-datum': 622.2269926397355 },
      ResultPath: '$.coords',
    }),
    input: { georefOf: 'Home' },
    output: { georefOf: 'Home', coords: { 'x-datum': 0.381018, 'y-datum': 622.2269926397355 } },
  },
  {
    name: 'Pass: Parameters with .$ paths and static values (AWS Parameters example)',
    definition: single({
      Type: 'Pass',
      Parameters: {
        comment: 'Selecting what I care about.',
        MyDetails: {
          'size.$': '$.product.details.size',
          'exists.$': '$.product.availability',
          StaticValue: 'foo',
        },
      },
    }),
    input: {
      comment: 'Example for Parameters.',
      product: {
        details: { color: 'blue', size: 'small', material: 'cotton' },
        availability: 'in stock',
        sku: '2317',
        cost: '$23',
      },
    },
    output: {
      comment: 'Selecting what I care about.',
      MyDetails: { size: 'small', exists: 'in stock', StaticValue: 'foo' },
    },
  },
  {
    name: 'InputPath, ResultPath and OutputPath together',
    definition: single({
      Type: 'Pass',
      InputPath: '$.lib',
      Parameters: { 'n.$': '$.n' },
      ResultPath: '$.lib.copy',
      OutputPath: '$.lib',
    }),
    input: { lib: { n: 3 }, other: true },
    output: { n: 3, copy: { n: 3 } },
  },
  {
    name: 'ResultPath null keeps the input; OutputPath null gives {}',
    definition: {
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Result: 'x', ResultPath: null, Next: 'B' },
        B: { Type: 'Pass', OutputPath: null, End: true },
      },
    },
    input: { keep: 1 },
    output: {},
  },
  {
    name: 'InputPath null gives the state {}',
    definition: single({ Type: 'Pass', InputPath: null }),
    input: { a: 1 },
    output: {},
  },
  {
    name: 'The context object: execution name, state name, retry count',
    definition: single({
      Type: 'Pass',
      Parameters: {
        'state.$': '$$.State.Name',
        'retries.$': '$$.State.RetryCount',
        'input.$': '$$.Execution.Input',
        'machine.$': '$$.StateMachine.Name',
      },
    }),
    input: { v: 7 },
    check: (r) => {
      const o = r.output as Record<string, unknown>;
      if (
        o.state !== 'S' ||
        o.retries !== 0 ||
        (o.input as { v: number }).v !== 7 ||
        !String(o.machine).startsWith('sm-')
      )
        throw new Error(`bad context ${JSON.stringify(o)}`);
    },
  },
  {
    name: 'JSONPath: indexes, slices, wildcards and filters in Parameters',
    definition: single({
      Type: 'Pass',
      Parameters: {
        'last.$': '$.a[-1]',
        'slice.$': '$.a[0:2]',
        'names.$': '$.people[*].name',
        'adults.$': '$.people[?(@.age >= 18)].name',
      },
    }),
    input: {
      a: [1, 2, 3],
      people: [
        { name: 'x', age: 30 },
        { name: 'y', age: 9 },
      ],
    },
    output: { last: 3, slice: [1, 2], names: ['x', 'y'], adults: ['x'] },
  },
  {
    name: 'A path that selects nothing fails with States.Runtime',
    definition: single({ Type: 'Pass', Parameters: { 'x.$': '$.missing' } }),
    input: {},
    error: 'States.Runtime',
    cause: /could not be found/,
  },
  {
    name: 'Wait: Seconds, SecondsPath and a past Timestamp',
    definition: {
      StartAt: 'A',
      States: {
        A: { Type: 'Wait', Seconds: 2, Next: 'B' },
        B: { Type: 'Wait', SecondsPath: '$.s', Next: 'C' },
        C: { Type: 'Wait', Timestamp: '2020-01-01T00:00:00Z', Next: 'D' },
        D: { Type: 'Wait', TimestampPath: '$.t', End: true },
      },
    },
    input: { s: 1, t: '2021-06-01T00:00:00Z' },
    output: { s: 1, t: '2021-06-01T00:00:00Z' },
  },
  {
    name: 'Choice: numeric, string, boolean, And/Or/Not, Default',
    definition: {
      StartAt: 'C',
      States: {
        C: {
          Type: 'Choice',
          Choices: [
            { Not: { Variable: '$.type', StringEquals: 'Private' }, Next: 'Public' },
            {
              And: [
                { Variable: '$.value', IsPresent: true },
                { Variable: '$.value', IsNumeric: true },
                { Variable: '$.value', NumericGreaterThanEquals: 20 },
                { Variable: '$.value', NumericLessThan: 30 },
              ],
              Next: 'ValueInTwenties',
            },
            {
              Or: [
                { Variable: '$.flag', BooleanEquals: true },
                { Variable: '$.name', StringMatches: 'log-*.txt' },
              ],
              Next: 'Flagged',
            },
          ],
          Default: 'DefaultState',
        },
        Public: { Type: 'Pass', Result: 'public', End: true },
        ValueInTwenties: { Type: 'Pass', Result: 'twenties', End: true },
        Flagged: { Type: 'Pass', Result: 'flagged', End: true },
        DefaultState: { Type: 'Pass', Result: 'default', End: true },
      },
    },
    input: { type: 'Private', value: 25 },
    output: 'twenties',
  },
  {
    name: 'Choice: StringMatches and Default',
    definition: {
      StartAt: 'C',
      States: {
        C: {
          Type: 'Choice',
          Choices: [{ Variable: '$.name', StringMatches: 'log-*.txt', Next: 'Log' }],
          Default: 'Other',
        },
        Log: { Type: 'Pass', Result: 'log', End: true },
        Other: { Type: 'Pass', Result: 'other', End: true },
      },
    },
    input: { name: 'log-2024.txt' },
    output: 'log',
  },
  {
    name: 'Choice: timestamps, *Path comparisons and IsNull',
    definition: {
      StartAt: 'C',
      States: {
        C: {
          Type: 'Choice',
          Choices: [
            {
              And: [
                { Variable: '$.when', TimestampGreaterThan: '2020-01-01T00:00:00Z' },
                { Variable: '$.a', NumericEqualsPath: '$.b' },
                { Variable: '$.n', IsNull: true },
              ],
              Next: 'Yes',
            },
          ],
          Default: 'No',
        },
        Yes: { Type: 'Succeed' },
        No: { Type: 'Fail', Error: 'NoMatch' },
      },
    },
    input: { when: '2024-05-01T12:00:00Z', a: 4, b: 4, n: null },
    output: { when: '2024-05-01T12:00:00Z', a: 4, b: 4, n: null },
  },
  {
    name: 'Choice without a matching rule or Default fails with States.NoChoiceMatched',
    definition: {
      StartAt: 'C',
      States: {
        C: { Type: 'Choice', Choices: [{ Variable: '$.x', NumericEquals: 1, Next: 'D' }] },
        D: { Type: 'Succeed' },
      },
    },
    input: { x: 2 },
    error: 'States.NoChoiceMatched',
  },
  {
    name: 'Succeed with InputPath and OutputPath',
    definition: single({ Type: 'Succeed', InputPath: '$.a', OutputPath: '$.b' }),
    input: { a: { b: 'done' } },
    output: 'done',
  },
  {
    name: 'Fail with Error and Cause',
    definition: single({ Type: 'Fail', Error: 'ErrorA', Cause: 'Kaiju attack' }),
    error: 'ErrorA',
    cause: 'Kaiju attack',
  },
  {
    name: 'Fail with ErrorPath and CausePath (intrinsic)',
    definition: single({
      Type: 'Fail',
      ErrorPath: '$.code',
      CausePath: "States.Format('item {} failed', $.id)",
    }),
    input: { code: 'Item.Failed', id: 42 },
    error: 'Item.Failed',
    cause: 'item 42 failed',
  },
  {
    name: 'Parallel: branch outputs in order, ResultSelector',
    definition: single({
      Type: 'Parallel',
      Branches: [
        { StartAt: 'A', States: { A: { Type: 'Pass', Parameters: { 'v.$': '$.x' }, End: true } } },
        { StartAt: 'B', States: { B: { Type: 'Pass', Result: 'b', End: true } } },
      ],
      ResultSelector: { 'first.$': '$[0].v', 'second.$': '$[1]' },
    }),
    input: { x: 1 },
    output: { first: 1, second: 'b' },
  },
  {
    name: 'Parallel: a failing branch fails the state; Catch with ResultPath keeps the input',
    definition: {
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 100, End: true } } },
            { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Branch.Failed', Cause: 'boom' } } },
          ],
          Catch: [{ ErrorEquals: ['Branch.Failed'], ResultPath: '$.error', Next: 'Handled' }],
          End: true,
        },
        Handled: { Type: 'Pass', End: true },
      },
    },
    input: { id: 1 },
    output: { id: 1, error: { Error: 'Branch.Failed', Cause: 'boom' } },
  },
  {
    name: 'Map (INLINE): ItemsPath, ItemSelector with $$.Map.Item, MaxConcurrency',
    definition: single({
      Type: 'Map',
      ItemsPath: '$.items',
      MaxConcurrency: 2,
      ItemSelector: {
        'index.$': '$$.Map.Item.Index',
        'value.$': '$$.Map.Item.Value',
        'shared.$': '$.shared',
      },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'P',
        States: { P: { Type: 'Pass', End: true } },
      },
    }),
    input: { shared: 's', items: ['a', 'b', 'c'] },
    output: [
      { index: 0, value: 'a', shared: 's' },
      { index: 1, value: 'b', shared: 's' },
      { index: 2, value: 'c', shared: 's' },
    ],
  },
  {
    name: 'Map: the AWS shipping example (ItemsPath, ItemSelector with $$.Map.Item.Value, ResultPath)',
    definition: single({
      Type: 'Map',
      ItemsPath: '$.detail.shipped',
      ItemSelector: { 'parcel.$': '$$.Map.Item.Value', 'courier.$': '$.detail.delivery-partner' },
      ItemProcessor: { StartAt: 'Validate', States: { Validate: { Type: 'Pass', End: true } } },
      ResultPath: '$.detail.shipped',
    }),
    input: {
      'ship-date': '2016-03-14T01:59:00Z',
      detail: {
        'delivery-partner': 'UQS',
        shipped: [
          { prod: 'R31', 'dest-code': 9511, quantity: 1344 },
          { prod: 'S39', 'dest-code': 9511, quantity: 40 },
        ],
      },
    },
    output: {
      'ship-date': '2016-03-14T01:59:00Z',
      detail: {
        'delivery-partner': 'UQS',
        shipped: [
          { parcel: { prod: 'R31', 'dest-code': 9511, quantity: 1344 }, courier: 'UQS' },
          { parcel: { prod: 'S39', 'dest-code': 9511, quantity: 40 }, courier: 'UQS' },
        ],
      },
    },
  },
  {
    name: 'Map (legacy Iterator and Parameters)',
    definition: single({
      Type: 'Map',
      Parameters: { 'v.$': '$$.Map.Item.Value' },
      Iterator: { StartAt: 'P', States: { P: { Type: 'Pass', OutputPath: '$.v', End: true } } },
    }),
    input: [1, 2],
    output: [1, 2],
  },
  {
    name: 'Map over a non-array fails with States.Runtime',
    definition: single({
      Type: 'Map',
      ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
    }),
    input: { not: 'an array' },
    error: 'States.Runtime',
  },
  {
    name: 'JSONPath variables: Assign and $var references',
    definition: {
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Assign: { 'total.$': '$.n', label: 'run' }, Next: 'B' },
        B: {
          Type: 'Pass',
          Parameters: { 'total.$': '$total', 'label.$': '$label', 'sum.$': 'States.MathAdd($total, 1)' },
          End: true,
        },
      },
    },
    input: { n: 41 },
    output: { total: 41, label: 'run', sum: 42 },
  },
  {
    name: 'State machine TimeoutSeconds ends the execution TIMED_OUT',
    definition: { TimeoutSeconds: 1, StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 60, End: true } } },
    check: (r) => {
      if (r.status !== 'TIMED_OUT' || r.error !== 'States.Timeout')
        throw new Error(`expected TIMED_OUT, got ${r.status} ${r.error}`);
    },
  },
];
