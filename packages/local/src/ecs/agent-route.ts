import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { AwsError } from '../aws-error.ts';
import type { FaultInjector } from '../faults.ts';
import { type ExtraRoute, readBody } from '../http-router.ts';
import type { EcsState } from './ecs-state.ts';
import type { Task } from './model.ts';
import { applyProtection, expiryMinutes, protectionRefusal } from './protection-operations.ts';
import { AGENT_PREFIX, METADATA_PATH } from './task-launcher.ts';

/**
 * The per-task ECS container agent endpoint, what a task finds at `$ECS_AGENT_URI`:
 * - `PUT|GET /task-protection/v1/state`: task scale-in protection, with the agent's response
 *   shapes (`{"protection": {...}}`, `{"failure": {...}}`, `{"error": {...}}`) as
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-scale-in-protection-endpoint.html
 *   documents and amazon-ecs-agent's task protection handler writes them;
 * - `GET /v4/<id>`, `GET /v4/<id>/task`: a small task metadata v4 (`$ECS_CONTAINER_METADATA_URI_V4`);
 * - `GET /credentials`: container credentials (`$AWS_CONTAINER_CREDENTIALS_FULL_URI`), so the
 *   AWS SDK in a task finds credentials as it does on Fargate.
 *
 * Fault rules naming the service `ecs-agent` apply to task protection (operations
 * `UpdateTaskProtection` for PUT, `GetTaskProtection` for GET), as the agent relays the ECS
 * API's faults: throttling (400 `ThrottlingException`), server errors (500 `ServerException`),
 * latency, and a dropped response after the change took effect.
 */
export function createAgentRoute(state: EcsState, faults?: FaultInjector): ExtraRoute {
  return {
    prefix: AGENT_PREFIX,
    async handle(req, res) {
      const path = new URL(req.url ?? '/', 'http://local').pathname.slice(AGENT_PREFIX.length);
      const slash = path.indexOf('/');
      const taskId = slash < 0 ? path : path.slice(0, slash);
      const rest = slash < 0 ? '' : path.slice(slash);
      let body: Buffer;
      try {
        body = await readBody(req, 64 * 1024);
      } catch {
        return send(res, 413, agentError('', 'InvalidParameterException', 'Request body too large'));
      }
      const task = state.launcher.tasksById.get(taskId);
      if (!task) {
        return send(
          res,
          404,
          agentError('', 'ResourceNotFoundException', 'Failed to find a task for the request'),
        );
      }
      if (rest === '/task-protection/v1/state') {
        const operation = req.method === 'PUT' ? 'UpdateTaskProtection' : 'GetTaskProtection';
        const fault = faults?.decide(AGENT_FAULT_SERVICE, operation, { namedOnly: true });
        if (fault && fault.delayMs > 0) await sleep(fault.delayMs);
        if (fault?.throttle) return send(res, 400, agentFault(task, 'ThrottlingException', 'Rate exceeded'));
        if (fault?.serverError) {
          return send(res, 500, agentFault(task, 'ServerException', 'Injected server error'));
        }
        const [status, reply] = protectionState(state, task, req, body);
        if (fault?.drop && status === 200) {
          faults?.recordDrop(AGENT_FAULT_SERVICE, operation);
          return void res.destroy();
        }
        return send(res, status, reply);
      }
      if (req.method !== 'GET') return send(res, 405, { message: `${req.method} is not allowed on ${rest}` });
      const metadata = rest.startsWith(METADATA_PATH) ? rest.slice(METADATA_PATH.length).split('/') : [];
      if (metadata.length === 1) return send(res, 200, containerMetadata(task));
      if (metadata.length === 2 && metadata[1] === 'task') return send(res, 200, taskMetadata(task));
      if (rest === '/credentials') return send(res, 200, credentials(state, task));
      return send(res, 404, { message: `No agent endpoint ${rest}` });
    },
  };
}

/** The service name fault rules use for the agent endpoint. */
export const AGENT_FAULT_SERVICE = 'ecs-agent';

/** An HTTP status and a JSON body. */
type Reply = [number, unknown];

function protectionState(state: EcsState, task: Task, req: IncomingMessage, body: Buffer): Reply {
  if (req.method === 'GET') return protectionReply(task);
  if (req.method !== 'PUT') return [405, { message: `${req.method} is not allowed: use GET or PUT` }];
  let request: Record<string, unknown>;
  try {
    request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      throw new Error('not an object');
    }
    // The agent decodes with DisallowUnknownFields.
    for (const key of Object.keys(request)) {
      if (key !== 'ProtectionEnabled' && key !== 'ExpiresInMinutes') throw new Error(`unknown field ${key}`);
    }
  } catch {
    return [
      400,
      agentError('', 'InvalidParameterException', 'UpdateTaskProtection: failed to decode request'),
    ];
  }
  if (typeof request.ProtectionEnabled !== 'boolean') {
    const message = "Invalid request: does not contain 'ProtectionEnabled' field";
    return [400, agentError(task.arn, 'InvalidParameterException', message)];
  }
  let minutes: number;
  try {
    minutes = expiryMinutes(request.ExpiresInMinutes, 'expiresInMinutes');
  } catch (error) {
    const message = error instanceof AwsError ? error.message : String(error);
    return [400, agentError(task.arn, 'InvalidParameterException', message)];
  }
  const refusal = protectionRefusal(task, request.ProtectionEnabled);
  if (refusal) return [200, { failure: { Arn: task.arn, Reason: refusal.reason, Detail: refusal.detail } }];
  applyProtection(state, task, request.ProtectionEnabled, minutes);
  return protectionReply(task);
}

/** The agent's reply when the ECS API call behind it failed: the API's code and request id. */
function agentFault(task: Task, code: string, message: string): Record<string, unknown> {
  return { requestID: randomUUID(), ...agentError(task.arn, code, message) };
}

function protectionReply(task: Task): Reply {
  if (!task.service) {
    return [
      200,
      { failure: { Arn: task.arn, Reason: 'TASK_NOT_VALID', Detail: 'The task is not part of a service' } },
    ];
  }
  const expiresAtMs = task.protection.expiresAtMs;
  const protection = {
    ExpirationDate: expiresAtMs === undefined ? null : new Date(expiresAtMs).toISOString(),
    ProtectionEnabled: task.protection.enabled,
    TaskArn: task.arn,
  };
  return [200, { protection }];
}

function agentError(arn: string, code: string, message: string): Record<string, unknown> {
  return { error: arn ? { Arn: arn, Code: code, Message: message } : { Code: code, Message: message } };
}

function containerMetadata(task: Task): Record<string, unknown> {
  const container = task.taskDefinition.container;
  return {
    DockerId: task.id,
    Name: container.name,
    DockerName: `ecs-${task.taskDefinition.family}-${task.taskDefinition.revision}-${container.name}`,
    Image: container.image,
    Labels: {
      'com.amazonaws.ecs.cluster': task.cluster.arn,
      'com.amazonaws.ecs.container-name': container.name,
      'com.amazonaws.ecs.task-arn': task.arn,
      'com.amazonaws.ecs.task-definition-family': task.taskDefinition.family,
      'com.amazonaws.ecs.task-definition-version': String(task.taskDefinition.revision),
    },
    DesiredStatus: task.desiredStatus,
    KnownStatus: task.lastStatus === 'DEPROVISIONING' ? 'RUNNING' : task.lastStatus,
    ContainerARN: task.containerArn,
    Type: 'NORMAL',
    ...(task.startedAtMs === undefined ? {} : { StartedAt: new Date(task.startedAtMs).toISOString() }),
  };
}

function taskMetadata(task: Task): Record<string, unknown> {
  return {
    Cluster: task.cluster.arn,
    TaskARN: task.arn,
    Family: task.taskDefinition.family,
    Revision: String(task.taskDefinition.revision),
    ServiceName: task.service?.name,
    DesiredStatus: task.desiredStatus,
    KnownStatus: task.lastStatus,
    LaunchType: task.launchType ?? 'FARGATE',
    AvailabilityZone: `${task.cluster.store.region}a`,
    Containers: [containerMetadata(task)],
  };
}

function credentials(state: EcsState, task: Task): Record<string, unknown> {
  const roleArn =
    (task.taskDefinition.recorded.taskRoleArn as string | undefined) ??
    `arn:aws:iam::${task.cluster.store.accountId}:role/stepfleet-local-task`;
  return {
    AccessKeyId: 'ASIASTEPFLEETLOCAL00',
    SecretAccessKey: 'stepfleet-local-secret',
    Token: `stepfleet-local-${task.id}`,
    Expiration: new Date(state.launcher.clock.now() + 6 * 3600_000).toISOString(),
    RoleArn: roleArn,
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
