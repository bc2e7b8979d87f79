import { randomBytes, randomInt, randomUUID } from 'node:crypto';

/**
 * ECS resource names in the "long ARN" format every account uses since 2021:
 * `arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME`, `task/CLUSTER/ID`, `cluster/NAME`,
 * `task-definition/FAMILY:REVISION`.
 */
export interface ArnScope {
  readonly region: string;
  readonly accountId: string;
}

const prefix = (scope: ArnScope): string => `arn:aws:ecs:${scope.region}:${scope.accountId}`;

/** `arn:aws:ecs:R:A:cluster/NAME` */
export const clusterArn = (scope: ArnScope, name: string): string => `${prefix(scope)}:cluster/${name}`;

/** `arn:aws:ecs:R:A:service/CLUSTER/NAME` */
export const serviceArn = (scope: ArnScope, cluster: string, name: string): string =>
  `${prefix(scope)}:service/${cluster}/${name}`;

/** `arn:aws:ecs:R:A:task/CLUSTER/ID` */
export const taskArn = (scope: ArnScope, cluster: string, id: string): string =>
  `${prefix(scope)}:task/${cluster}/${id}`;

/** `arn:aws:ecs:R:A:container/CLUSTER/TASK/UUID` */
export const containerArn = (scope: ArnScope, cluster: string, task: string): string =>
  `${prefix(scope)}:container/${cluster}/${task}/${randomUUID()}`;

/** `arn:aws:ecs:R:A:task-definition/FAMILY:REVISION` */
export const taskDefinitionArn = (scope: ArnScope, family: string, revision: number): string =>
  `${prefix(scope)}:task-definition/${family}:${revision}`;

/** A task id as ECS makes them: 32 lowercase hex digits. */
export const newTaskId = (): string => randomBytes(16).toString('hex');

/** A deployment id as ECS makes them: `ecs-svc/` and 19 digits. */
export const newDeploymentId = (): string =>
  `ecs-svc/${randomInt(1, 10)}${Array.from({ length: 18 }, () => randomInt(10)).join('')}`;

const RESOURCE_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:([a-z-]+)\/(.+)$/;

/**
 * The short name of a resource given by name or ARN: a cluster name, a service's or task's last
 * path segment, a task definition's `family[:revision]`. `kind` is the ARN's resource type.
 */
export function shortName(
  nameOrArn: string,
  kind: 'cluster' | 'service' | 'task' | 'task-definition',
): string {
  const match = RESOURCE_ARN.exec(nameOrArn);
  if (!match || match[1] !== kind) return nameOrArn;
  const path = match[2] ?? '';
  return kind === 'cluster' || kind === 'task-definition' ? path : path.slice(path.lastIndexOf('/') + 1);
}

/** The cluster named in a service or task ARN (`service/CLUSTER/NAME`), if it is one. */
export function clusterInArn(arn: string): string | undefined {
  const match = RESOURCE_ARN.exec(arn);
  if (!match || (match[1] !== 'service' && match[1] !== 'task')) return undefined;
  const parts = (match[2] ?? '').split('/');
  return parts.length === 2 ? parts[0] : undefined;
}
