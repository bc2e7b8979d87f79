import {
  DescribeServicesCommand,
  type ECSClient,
  GetTaskProtectionCommand,
  ListTasksCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { explainAwsError, ServiceNotFoundError } from './errors.ts';
import type { FleetState } from './policy.ts';

/** ECS allows this many tasks per GetTaskProtection call. */
const TASK_PROTECTION_BATCH = 10;

/** The ECS side of one fleet: read its state, set its size. */
export interface FleetAdapter {
  /** The service's counts and how many of its tasks are protected (DescribeServices, ListTasks, GetTaskProtection). */
  read(): Promise<FleetState>;
  /** The service's desired and running counts only (one DescribeServices call). */
  readCounts(): Promise<Omit<FleetState, 'protectedCount'>>;
  setDesiredCount(count: number): Promise<void>;
}

/** An adapter over the ECS API for `cluster`/`service` (works against AWS and the local backend alike). */
export function ecsFleet(ecs: ECSClient, cluster: string, service: string): FleetAdapter {
  const where = `${cluster}/${service}`;
  const readCounts = async (): Promise<Omit<FleetState, 'protectedCount'>> => {
    const described = await ecs
      .send(new DescribeServicesCommand({ cluster, services: [service] }))
      .catch((error: unknown) => Promise.reject(explainAwsError(error, 'ecs:DescribeServices', where)));
    const found = described.services?.[0];
    if (!found || found.status === 'INACTIVE') {
      const reason = described.failures?.[0]?.reason ?? found?.status ?? 'MISSING';
      throw new ServiceNotFoundError(`ECS service ${where} not found (${reason})`);
    }
    return { desiredCount: found.desiredCount ?? 0, runningCount: found.runningCount ?? 0 };
  };
  return {
    readCounts,
    async read() {
      const counts = await readCounts();
      return { ...counts, protectedCount: await protectedTasks(ecs, cluster, service) };
    },
    async setDesiredCount(count) {
      await ecs
        .send(new UpdateServiceCommand({ cluster, service, desiredCount: count }))
        .catch((error: unknown) => Promise.reject(explainAwsError(error, 'ecs:UpdateService', where)));
    },
  };
}

async function protectedTasks(ecs: ECSClient, cluster: string, service: string): Promise<number> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs
      .send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'RUNNING', nextToken }))
      .catch((error: unknown) =>
        Promise.reject(explainAwsError(error, 'ecs:ListTasks', `${cluster}/${service}`)),
      );
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  let count = 0;
  for (let i = 0; i < arns.length; i += TASK_PROTECTION_BATCH) {
    const tasks = arns.slice(i, i + TASK_PROTECTION_BATCH);
    const got = await ecs
      .send(new GetTaskProtectionCommand({ cluster, tasks }))
      .catch((error: unknown) =>
        Promise.reject(explainAwsError(error, 'ecs:GetTaskProtection', `${cluster}/${service}`)),
      );
    count += (got.protectedTasks ?? []).filter((t) => t.protectionEnabled).length;
  }
  return count;
}
