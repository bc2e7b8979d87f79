/**
 * `stepfleet run` and `stepfleet status` with bad arguments, through the real command line
 * (`npx stepfleet`, a child process): a clear message naming the problem on stderr, exit code 2,
 * and nothing started.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepfleet-cli-args-'));
  await writeFile(join(dir, 'not-a-job.ts'), 'export default { hello: 1 };\n');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const BIN = join(ROOT, 'packages/cli/bin/stepfleet.js');

/**
 * Runs `npx stepfleet ...args` from the repository root, or (`direct`) the same bin with this
 * Node and its NODE_OPTIONS, which skips npm's start-up for the cases that only check messages.
 */
function stepfleet(
  args: string[],
  direct = false,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [file, argv] = direct ? [process.execPath, [BIN, ...args]] : ['npx', ['stepfleet', ...args]];
  return new Promise((resolve) => {
    execFile(file, argv, { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr: stderr.replace(/^npm warn .*\n/gm, '') });
    });
  });
}

const cases: [string, string[], RegExp][] = [
  ['no job', ['run'], /stepfleet run: name the job to run/],
  [
    'an unknown job',
    ['run', 'no-such-job'],
    /unknown job 'no-such-job': give a bundled job \(monte-carlo.*\) or a path/,
  ],
  ['a missing job file', ['run', './nowhere/job.ts'], /job module not found: .*nowhere\/job\.ts/],
  ['a module that is not a job', ['run', 'NOTAJOB'], /is not a job module: its default export must be/],
  ['an unknown option', ['run', 'monte-carlo', '--bogus'], /Unknown option '--bogus'/],
  [
    'a bad number',
    ['run', 'monte-carlo', '--items', '12x'],
    /--items must be an integer from 1 to \d+, got '12x'/,
  ],
  ['zero workers', ['run', 'monte-carlo', '--workers', '0'], /--workers must be an integer from 1/],
  ['--local with --aws', ['run', 'monte-carlo', '--local', '--aws'], /--local and --aws exclude each other/],
  [
    '--endpoint with --aws',
    ['run', 'monte-carlo', '--aws', '--endpoint', 'http://x:1'],
    /--endpoint, --time-scale and --data are for local runs/,
  ],
  [
    'job options with --aws',
    ['run', 'monte-carlo', '--aws', '--items', '5', '--seed', '1'],
    /--items, --seed: on AWS the deployed job's settings apply/,
  ],
  [
    'a bad endpoint',
    ['run', 'monte-carlo', '--endpoint', 'nope'],
    /--endpoint must be an http\(s\) URL, got 'nope'/,
  ],
  ['a bad time scale', ['run', 'monte-carlo', '--time-scale=0'], /--time-scale must be a positive number/],
  [
    'an option the job refuses',
    ['run', 'monte-carlo', '--seed', 'x'.repeat(201)],
    /--seed must be 1-200 characters/,
  ],
  ['status without an ARN', ['status'], /stepfleet status: name one execution ARN/],
  ['status with a bad ARN', ['status', 'arn:aws:states:us-east-1:1:execution:x'], /not an execution ARN/],
];

describe('stepfleet run / status: bad arguments exit 2 with a clear message', () => {
  // Every child at once: each pays npx's start-up, not one after the other.
  const results = new Map<string, Promise<{ code: number; stdout: string; stderr: string }>>();
  before(() => {
    cases.forEach(([name, args], i) => {
      const real = args.map((a) => (a === 'NOTAJOB' ? join(dir, 'not-a-job.ts') : a));
      results.set(name, stepfleet(real, i % 4 !== 0));
    });
  });
  for (const [name, , message] of cases) {
    test(`GIVEN ${name} WHEN run THEN exit 2 and the message says ${message.source.slice(0, 40)}…`, async () => {
      const { code, stderr, stdout } = await results.get(name)!;

      assert.equal(code, 2, `exit code (stderr: ${stderr})`);
      assert.match(stderr, message);
      assert.match(stderr, /Usage: stepfleet (run|status)/, 'the usage follows the message');
      assert.equal(stdout, '', 'nothing started, nothing printed on stdout');
    });
  }

  test('GIVEN --help WHEN run THEN the usage on stdout and exit 0', async () => {
    const { code, stdout } = await stepfleet(['run', '--help']);
    assert.equal(code, 0);
    assert.match(stdout, /Usage: stepfleet run <job> \[--local \| --aws\]/);
  });
});
