/** JSONata versions of the same flows: Arguments, Output, Assign, Condition, Items, errorOutput. */
import type { ConformanceCase } from '../case.ts';

export const jsonataCases: ConformanceCase[] = [
  {
    name: 'JSONata: Pass Output with $states.input and $states.context',
    definition: {
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: {
        P: {
          Type: 'Pass',
          Output: {
            total: '{% $sum($states.input.prices) %}',
            state: '{% $states.context.State.Name %}',
            static: 1,
          },
          End: true,
        },
      },
    },
    input: { prices: [1, 2, 3.5] },
    output: { total: 6.5, state: 'P', static: 1 },
  },
  {
    name: 'JSONata: Assign, then read the variables in the next state (Output sees the old values)',
    definition: {
      QueryLanguage: 'JSONata',
      StartAt: 'A',
      States: {
        A: {
          Type: 'Pass',
          Assign: { total: '{% $states.input.n %}', label: 'x' },
          Output: { before: '{% $exists($total) %}' },
          Next: 'B',
        },
        B: {
          Type: 'Pass',
          Output: '{% { "count": $total + 1, "label": $label, "prev": $states.input.before } %}',
          End: true,
        },
      },
    },
    input: { n: 41 },
    output: { count: 42, label: 'x', prev: false },
  },
  {
    name: 'JSONata: Task Arguments and $states.result in Output',
    definition: {
      QueryLanguage: 'JSONata',
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Arguments: { FunctionName: 'echo', Payload: { doubled: '{% $states.input.x * 2 %}' } },
          Output: '{% $states.result.Payload.doubled %}',
          End: true,
        },
      },
    },
    input: { x: 21 },
    output: 42,
  },
  {
    name: 'JSONata: Choice Condition with Output per rule',
    definition: {
      QueryLanguage: 'JSONata',
      StartAt: 'C',
      States: {
        C: {
          Type: 'Choice',
          Choices: [{ Condition: '{% $states.input.value > 10 %}', Output: { size: 'big' }, Next: 'Done' }],
          Default: 'Small',
        },
        Small: { Type: 'Pass', Output: { size: 'small' }, End: true },
        Done: { Type: 'Succeed' },
      },
    },
    input: { value: 11 },
    output: { size: 'big' },
  },
  {
    name: 'JSONata: Map Items and ItemSelector with $states.context.Map.Item',
    definition: {
      QueryLanguage: 'JSONata',
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          Items: '{% $states.input.rows %}',
          ItemSelector: {
            i: '{% $states.context.Map.Item.Index %}',
            v: '{% $states.context.Map.Item.Value * 10 %}',
          },
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          Output: '{% $states.result.v %}',
          End: true,
        },
      },
    },
    input: { rows: [1, 2, 3] },
    output: [10, 20, 30],
  },
  {
    name: 'JSONata: Catch Output with $states.errorOutput and Assign',
    definition: {
      QueryLanguage: 'JSONata',
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Arguments: {
            FunctionName: 'flaky',
            Payload: { key: '{% $uuid() %}', failTimes: 1, errorName: 'Bad.Thing' },
          },
          Catch: [
            {
              ErrorEquals: ['Bad.Thing'],
              Output: { caught: '{% $states.errorOutput.Error %}' },
              Assign: { failed: true },
              Next: 'After',
            },
          ],
          End: true,
        },
        After: {
          Type: 'Pass',
          Output: { caught: '{% $states.input.caught %}', failed: '{% $failed %}' },
          End: true,
        },
      },
    },
    output: { caught: 'Bad.Thing', failed: true },
  },
  {
    name: 'JSONata: Fail with expression Error and Cause',
    definition: {
      QueryLanguage: 'JSONata',
      StartAt: 'F',
      States: {
        F: {
          Type: 'Fail',
          Error: '{% "Item." & $states.input.kind %}',
          Cause: "{% 'bad ' & $string($states.input.id) %}",
        },
      },
    },
    input: { kind: 'Invalid', id: 7 },
    error: 'Item.Invalid',
    cause: 'bad 7',
  },
  {
    name: 'JSONata: Wait Seconds expression, Parallel Output',
    definition: {
      QueryLanguage: 'JSONata',
      StartAt: 'W',
      States: {
        W: { Type: 'Wait', Seconds: '{% $states.input.s %}', Next: 'P' },
        P: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Pass', Output: 1, End: true } } },
            { StartAt: 'B', States: { B: { Type: 'Pass', Output: 2, End: true } } },
          ],
          Output: '{% $sum($states.result) %}',
          End: true,
        },
      },
    },
    input: { s: 1 },
    output: 3,
  },
  {
    name: 'JSONata: a failing expression fails with States.QueryEvaluationError',
    definition: {
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: { P: { Type: 'Pass', Output: '{% $states.input.a.b %}', End: true } },
    },
    input: { a: 1 },
    error: 'States.QueryEvaluationError',
  },
  {
    name: 'JSONata state inside a JSONPath machine (per-state QueryLanguage)',
    definition: {
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Parameters: { 'x.$': '$.x' }, Next: 'B' },
        B: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% $states.input.x & "!" %}', End: true },
      },
    },
    input: { x: 'hi' },
    output: 'hi!',
  },
];
