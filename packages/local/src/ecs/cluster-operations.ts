import { AwsError } from '../aws-error.ts';
import type { JsonOperation } from '../service.ts';
import { clusterArn, shortName } from './arns.ts';
import { DEFAULT_CLUSTER, type EcsState } from './ecs-state.ts';
import { invalidParameter } from './errors.ts';
import {
  optionalString,
  optionalStringList,
  paginate,
  refuseUnknownFields,
  requiredString,
} from './input.ts';
import type { Cluster } from './model.ts';
import { clusterShape, failure } from './shapes.ts';

const CLUSTER_NAME = /^[a-zA-Z0-9_-]{1,255}$/;
/** Fields CreateCluster records and echoes; none changes how tasks run locally. */
const RECORDED_CLUSTER_FIELDS = [
  'settings',
  'configuration',
  'capacityProviders',
  'defaultCapacityProviderStrategy',
  'serviceConnectDefaults',
  'tags',
];

/** CreateCluster, DescribeClusters, ListClusters, DeleteCluster. */
export function clusterOperations(state: EcsState): Record<string, JsonOperation> {
  return {
    CreateCluster(input, ctx) {
      refuseUnknownFields(input, ['clusterName', ...RECORDED_CLUSTER_FIELDS], 'CreateCluster');
      const name = optionalString(input, 'clusterName') ?? DEFAULT_CLUSTER;
      if (!CLUSTER_NAME.test(name)) {
        throw invalidParameter(
          'Cluster name can have up to 255 characters: letters, numbers, hyphens and underscores.',
        );
      }
      const store = state.store(ctx);
      const existing = store.clusters.get(name);
      // Idempotent, as ECS: creating an existing ACTIVE cluster returns it.
      if (existing?.status === 'ACTIVE') return { cluster: clusterShape(existing) };
      const recorded: Record<string, unknown> = {};
      for (const field of RECORDED_CLUSTER_FIELDS)
        if (input[field] !== undefined) recorded[field] = input[field];
      const cluster: Cluster = {
        store,
        name,
        arn: clusterArn(store, name),
        status: 'ACTIVE',
        recorded,
        services: new Map(),
        tasks: new Map(),
      };
      store.clusters.set(name, cluster);
      return { cluster: clusterShape(cluster) };
    },

    DescribeClusters(input, ctx) {
      refuseUnknownFields(input, ['clusters', 'include'], 'DescribeClusters');
      const names = optionalStringList(input, 'clusters', 100) ?? [DEFAULT_CLUSTER];
      const store = state.store(ctx);
      const clusters: Record<string, unknown>[] = [];
      const failures: Record<string, string>[] = [];
      for (const ref of names) {
        const cluster = store.clusters.get(shortName(ref, 'cluster'));
        if (cluster) clusters.push(clusterShape(cluster));
        else failures.push(failure(ref.startsWith('arn:') ? ref : clusterArn(store, ref), 'MISSING'));
      }
      return { clusters, failures };
    },

    ListClusters(input, ctx) {
      refuseUnknownFields(input, ['maxResults', 'nextToken'], 'ListClusters');
      const arns = [...state.store(ctx).clusters.values()]
        .filter((cluster) => cluster.status === 'ACTIVE')
        .map((cluster) => cluster.arn);
      const { page, nextToken } = paginate(arns, input, 100);
      return { clusterArns: page, nextToken };
    },

    DeleteCluster(input, ctx) {
      refuseUnknownFields(input, ['cluster'], 'DeleteCluster');
      const cluster = state.cluster(state.store(ctx), requiredString(input, 'cluster'));
      if ([...cluster.services.values()].some((service) => service.status !== 'INACTIVE')) {
        throw new AwsError(
          'ClusterContainsServicesException',
          'The Cluster cannot be deleted while Services are active.',
        );
      }
      if ([...cluster.tasks.values()].some((task) => task.lastStatus !== 'STOPPED')) {
        throw new AwsError(
          'ClusterContainsTasksException',
          'The Cluster cannot be deleted while Tasks are active.',
        );
      }
      cluster.status = 'INACTIVE';
      return { cluster: clusterShape(cluster) };
    },
  };
}
