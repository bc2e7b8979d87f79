import type { RequestContext } from '../service.ts';
import { clusterInArn, shortName } from './arns.ts';
import { clientException, clusterNotFound, serviceNotFound } from './errors.ts';
import type { Cluster, RegionStore, Service, Task, TaskDefinition } from './model.ts';
import { noteTaskStopped, reconcileService } from './scheduler.ts';
import type { LauncherContext } from './task-launcher.ts';

/** The cluster ECS uses when a request names none. */
export const DEFAULT_CLUSTER = 'default';

/**
 * Everything the local ECS holds: one store per account and region, the task launcher's
 * context, and the lookups every operation shares (each throws the error ECS answers).
 */
export class EcsState {
  readonly launcher: LauncherContext;
  readonly #stores = new Map<string, RegionStore>();
  /** Set by close(): the API refuses calls, so no task starts any more. */
  closed = false;

  constructor(launcher: Omit<LauncherContext, 'onTaskChanged'>) {
    this.launcher = { ...launcher, onTaskChanged: (task) => this.#taskChanged(task) };
  }

  /** The store of the request's account and region, created on first use. */
  store(ctx: Pick<RequestContext, 'accountId' | 'region'>): RegionStore {
    const key = `${ctx.accountId}/${ctx.region}`;
    let store = this.#stores.get(key);
    if (!store) {
      store = {
        accountId: ctx.accountId,
        region: ctx.region,
        clusters: new Map(),
        taskDefinitions: new Map(),
      };
      this.#stores.set(key, store);
    }
    return store;
  }

  /** Every store, for close() and the safety-net reconcile. */
  stores(): RegionStore[] {
    return [...this.#stores.values()];
  }

  /** An ACTIVE cluster by name or ARN (default: `default`), else ClusterNotFoundException. */
  cluster(store: RegionStore, nameOrArn: string | undefined): Cluster {
    const cluster = store.clusters.get(shortName(nameOrArn ?? DEFAULT_CLUSTER, 'cluster'));
    if (cluster?.status !== 'ACTIVE') throw clusterNotFound();
    return cluster;
  }

  /** A service by name or ARN in a cluster (any status), else ServiceNotFoundException. */
  service(cluster: Cluster, nameOrArn: string): Service {
    const inArn = clusterInArn(nameOrArn);
    if (inArn !== undefined && inArn !== cluster.name) throw serviceNotFound();
    const service = cluster.services.get(shortName(nameOrArn, 'service'));
    if (!service) throw serviceNotFound();
    return service;
  }

  /** A task definition by `family` (latest ACTIVE), `family:revision` or ARN, else ClientException. */
  taskDefinition(store: RegionStore, ref: string): TaskDefinition {
    const short = shortName(ref, 'task-definition');
    const colon = short.lastIndexOf(':');
    const family = colon < 0 ? short : short.slice(0, colon);
    const revisions = store.taskDefinitions.get(family) ?? [];
    let found: TaskDefinition | undefined;
    if (colon < 0) {
      found = revisions.findLast((td) => td.status === 'ACTIVE');
    } else {
      const revision = Number(short.slice(colon + 1));
      found = Number.isInteger(revision) ? revisions[revision - 1] : undefined;
    }
    if (!found) throw clientException(`Unable to describe task definition ${ref}.`);
    return found;
  }

  /**
   * Runs the scheduler for one service. It runs from timers and process events too, so it
   * never throws: a failure is logged and the next change or safety-net tick retries.
   */
  reconcile(service: Service): void {
    try {
      reconcileService(this.launcher, service.cluster.store, service);
    } catch (error) {
      this.launcher.logger?.error({ err: error, service: service.arn }, 'ecs reconcile failed');
    }
  }

  /** Runs the scheduler for every service that has anything to do (the safety net). */
  reconcileAll(): void {
    for (const store of this.#stores.values()) {
      for (const cluster of store.clusters.values()) {
        for (const service of cluster.services.values()) {
          if (service.status !== 'INACTIVE') this.reconcile(service);
        }
      }
    }
  }

  /** Every task whose process may still be alive. */
  liveTasks(): Task[] {
    return [...this.launcher.tasksById.values()].filter((task) => task.lastStatus !== 'STOPPED');
  }

  #taskChanged(task: Task): void {
    const service = task.service;
    if (!service) return;
    if (task.lastStatus === 'STOPPED') noteTaskStopped(this.launcher, service, task);
    this.reconcile(service);
  }
}
