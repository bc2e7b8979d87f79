import type { JsonOperation } from '../service.ts';
import type { EcsState } from './ecs-state.ts';
import { invalidParameter } from './errors.ts';
import {
  optionalBoolean,
  optionalInteger,
  optionalStringList,
  refuseUnknownFields,
  requiredString,
} from './input.ts';
import type { Task } from './model.ts';
import { PROTECTION_DEFAULT_MINUTES, PROTECTION_MAX_MINUTES, setProtection } from './protection.ts';
import { epochSeconds, failure } from './shapes.ts';
import { findTask, taskRefArn } from './task-operations.ts';

/** UpdateTaskProtection takes at most 10 tasks a call. */
const MAX_TASKS_PER_UPDATE = 10;

/** The `ProtectedTask` shape. */
export function protectedTaskShape(task: Task): Record<string, unknown> {
  const shape: Record<string, unknown> = { taskArn: task.arn, protectionEnabled: task.protection.enabled };
  if (task.protection.expiresAtMs !== undefined)
    shape.expirationDate = epochSeconds(task.protection.expiresAtMs);
  return shape;
}

/**
 * Why a task cannot take this protection change, as an ECS failure reason: only tasks of a
 * service can be protected (a standalone task is `TASK_NOT_VALID`, per the UpdateTaskProtection
 * reference), and a task being stopped cannot be protected again, though it may release
 * protection (a worker draining on SIGTERM does).
 */
export function protectionRefusal(
  task: Task,
  enabling: boolean,
): { reason: string; detail: string } | undefined {
  if (!task.service) return { reason: 'TASK_NOT_VALID', detail: 'The task is not part of a service' };
  if (task.lastStatus === 'STOPPED') return { reason: 'TASK_NOT_VALID', detail: 'The task is stopped' };
  if (enabling && task.desiredStatus !== 'RUNNING') {
    return { reason: 'TASK_NOT_VALID', detail: 'The task is stopping' };
  }
  return undefined;
}

/** Sets a task's protection and lets its service act on the change (a held-back scale-in). */
export function applyProtection(
  state: EcsState,
  task: Task,
  enabled: boolean,
  expiresInMinutes: number,
): void {
  const service = task.service;
  setProtection(state.launcher.clock, task, enabled, expiresInMinutes, () => {
    if (service) state.reconcile(service);
  });
  if (service) state.reconcile(service);
}

/** Reads ExpiresInMinutes/expiresInMinutes: 1–2,880, default 120. */
export function expiryMinutes(value: unknown, field: string): number {
  return optionalInteger({ [field]: value }, field, 1, PROTECTION_MAX_MINUTES) ?? PROTECTION_DEFAULT_MINUTES;
}

/** UpdateTaskProtection, GetTaskProtection. */
export function protectionOperations(state: EcsState): Record<string, JsonOperation> {
  return {
    UpdateTaskProtection(input, ctx) {
      refuseUnknownFields(
        input,
        ['cluster', 'tasks', 'protectionEnabled', 'expiresInMinutes'],
        'UpdateTaskProtection',
      );
      const cluster = state.cluster(state.store(ctx), requiredString(input, 'cluster'));
      const refs = optionalStringList(input, 'tasks', MAX_TASKS_PER_UPDATE);
      if (!refs || refs.length === 0) throw invalidParameter('tasks is required and must list 1 to 10 tasks');
      const enabled = optionalBoolean(input, 'protectionEnabled');
      if (enabled === undefined) throw invalidParameter('protectionEnabled is required');
      const minutes = expiryMinutes(input.expiresInMinutes, 'expiresInMinutes');
      const protectedTasks: Record<string, unknown>[] = [];
      const failures: Record<string, string>[] = [];
      for (const ref of refs) {
        const task = findTask(cluster, ref);
        const refusal = task ? protectionRefusal(task, enabled) : { reason: 'MISSING', detail: undefined };
        if (!task || refusal) {
          failures.push(failure(task?.arn ?? taskRefArn(cluster, ref), refusal!.reason, refusal!.detail));
          continue;
        }
        applyProtection(state, task, enabled, minutes);
        protectedTasks.push(protectedTaskShape(task));
      }
      return { protectedTasks, failures };
    },

    GetTaskProtection(input, ctx) {
      refuseUnknownFields(input, ['cluster', 'tasks'], 'GetTaskProtection');
      const cluster = state.cluster(state.store(ctx), requiredString(input, 'cluster'));
      const refs = optionalStringList(input, 'tasks', 100);
      const protectedTasks: Record<string, unknown>[] = [];
      const failures: Record<string, string>[] = [];
      if (!refs) {
        for (const task of cluster.tasks.values()) {
          if (task.service && task.desiredStatus === 'RUNNING') protectedTasks.push(protectedTaskShape(task));
        }
        return { protectedTasks, failures };
      }
      for (const ref of refs) {
        const task = findTask(cluster, ref);
        if (!task) failures.push(failure(taskRefArn(cluster, ref), 'MISSING'));
        else if (!task.service)
          failures.push(failure(task.arn, 'TASK_NOT_VALID', 'The task is not part of a service'));
        else protectedTasks.push(protectedTaskShape(task));
      }
      return { protectedTasks, failures };
    },
  };
}
