/**
 * The local ECS must not be what slows a fleet's scale-out or scale-in: time from UpdateService
 * to N task processes running (and back to none), against spawning and signalling the same N
 * processes directly with child_process in the same run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { startLocalBackend } from '../../packages/local/src/backend.ts';
import { type Bench, type BenchFigure, median } from './types.ts';

const TASKS = 20;
const ROUNDS = 3;
const COMMAND = ['sleep', '600'];

async function directRound(): Promise<{ upMs: number; downMs: number }> {
  const started = performance.now();
  const children: ChildProcess[] = [];
  for (let i = 0; i < TASKS; i++) {
    children.push(spawn(COMMAND[0]!, COMMAND.slice(1), { stdio: 'ignore', detached: true }));
  }
  await Promise.all(children.map((child) => once(child, 'spawn')));
  const upMs = performance.now() - started;
  const stopping = performance.now();
  const exits = children.map((child) => once(child, 'exit'));
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(exits);
  return { upMs, downMs: performance.now() - stopping };
}

const bench: Bench = async () => {
  const backend = await startLocalBackend({ port: 0 });
  const ecs = new ECSClient({
    endpoint: backend.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    await ecs.send(new CreateClusterCommand({ clusterName: 'bench' }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'sleeper',
        containerDefinitions: [{ name: 'sleeper', image: 'none', command: COMMAND, stopTimeout: 10 }],
      }),
    );
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'bench',
        serviceName: 'sleepers',
        taskDefinition: 'sleeper',
        desiredCount: 0,
      }),
    );
    const observations = backend.ecs.observations;
    const live = () => observations.tasks({ service: 'sleepers' }).filter((t) => t.stoppedAtMs === undefined);
    const ecsUp: number[] = [];
    const ecsDown: number[] = [];
    const directUp: number[] = [];
    const directDown: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const direct = await directRound();
      directUp.push(direct.upMs);
      directDown.push(direct.downMs);

      const started = performance.now();
      await ecs.send(
        new UpdateServiceCommand({ cluster: 'bench', service: 'sleepers', desiredCount: TASKS }),
      );
      await observations.waitFor(
        () => live().length === TASKS && live().every((t) => t.startedAtMs !== undefined),
        30_000,
        'scale-out',
      );
      ecsUp.push(performance.now() - started);
      const stopping = performance.now();
      await ecs.send(new UpdateServiceCommand({ cluster: 'bench', service: 'sleepers', desiredCount: 0 }));
      await observations.waitFor(() => live().length === 0, 30_000, 'scale-in');
      ecsDown.push(performance.now() - stopping);
    }
    const figure = (id: string, what: string, value: number, baseline: number): BenchFigure => {
      const ratio = value / baseline;
      return { id, what, value, unit: 'ms', baseline, ratio, goal: 'ratio <= 5', met: ratio <= 5 };
    };
    return [
      figure(
        'local.ecs-scale-out',
        `UpdateService 0 -> ${TASKS} until ${TASKS} task processes run (median of ${ROUNDS}), vs spawning them directly`,
        median(ecsUp),
        median(directUp),
      ),
      figure(
        'local.ecs-scale-in',
        `UpdateService ${TASKS} -> 0 until every process exited on SIGTERM (median of ${ROUNDS}), vs signalling them directly`,
        median(ecsDown),
        median(directDown),
      ),
    ];
  } finally {
    ecs.destroy();
    await backend.close();
  }
};

export default bench;
