import type { TaskProcess } from './task-process.ts';

/**
 * The ECS resources the local backend keeps, apart from how they are spoken on the wire
 * (`shapes.ts`) and from the operations that change them (`*-operations.ts`).
 */

/** What a task runs: one container's command as a local process. */
export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  /** The container's entryPoint (RunTask's command override goes after it). */
  readonly entryPoint: readonly string[];
  /** entryPoint followed by command; `node` as argv[0] means the backend's own Node binary. */
  readonly argv: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  readonly workingDirectory?: string;
  /** SIGTERM to SIGKILL, in seconds (ECS default 30, Fargate max 120). */
  readonly stopTimeoutSeconds: number;
  /** The container definition as registered, with ECS defaults filled in, for Describe calls. */
  readonly definition: Readonly<Record<string, unknown>>;
}

/** One revision of a task definition family. */
export interface TaskDefinition {
  readonly arn: string;
  readonly family: string;
  readonly revision: number;
  status: 'ACTIVE' | 'INACTIVE';
  readonly container: ContainerSpec;
  readonly registeredAtMs: number;
  /** Task-level fields recorded as given (cpu, memory, networkMode, roles...). */
  readonly recorded: Readonly<Record<string, unknown>>;
  readonly tags: readonly unknown[];
}

/** The lifecycle of a task, as DescribeTasks reports it in `lastStatus`. */
export type TaskStatus = 'PROVISIONING' | 'PENDING' | 'RUNNING' | 'DEPROVISIONING' | 'STOPPED';

/** Why a task stopped, as ECS's `stopCode`. */
export type StopCode =
  | 'TaskFailedToStart'
  | 'EssentialContainerExited'
  | 'UserInitiated'
  | 'ServiceSchedulerInitiated';

/** Scale-in protection of one task. */
export interface Protection {
  enabled: boolean;
  /** Wall-clock time the protection lapses at (already scaled by the clock's timeScale). */
  expiresAtMs?: number;
  timer?: NodeJS.Timeout;
}

/** One task: one child process. */
export interface Task {
  readonly id: string;
  readonly arn: string;
  readonly cluster: Cluster;
  readonly service?: Service;
  readonly taskDefinition: TaskDefinition;
  readonly containerArn: string;
  readonly startedBy?: string;
  readonly group: string;
  readonly launchType?: string;
  readonly capacityProviderName?: string;
  readonly logFile: string;
  /** What the process runs: the container's argv and environment, after RunTask overrides. */
  readonly argv: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  readonly createdAtMs: number;
  startedAtMs?: number;
  stoppingAtMs?: number;
  stoppedAtMs?: number;
  stoppedReason?: string;
  stopCode?: StopCode;
  exitCode?: number;
  /** The container's `reason` (spawn error, signal that ended it). */
  containerReason?: string;
  readonly protection: Protection;
  process?: TaskProcess;
  /** Settles once the task is STOPPED (its process exited, or never started). */
  finished?: Promise<void>;
  /** Whether the task was under scale-in protection when its stop was requested. */
  protectedWhenStopRequested?: boolean;
}

/** One service event, shown newest first by DescribeServices. */
export interface ServiceEvent {
  readonly id: string;
  readonly createdAtMs: number;
  readonly message: string;
}

/** One deployment of a service: the task definition its tasks run. */
export interface Deployment {
  readonly id: string;
  readonly taskDefinition: TaskDefinition;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  readonly createdAtMs: number;
  updatedAtMs: number;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED';
}

/** A service: keeps `desiredCount` tasks of its task definition running. */
export interface Service {
  readonly name: string;
  readonly arn: string;
  readonly cluster: Cluster;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  readonly createdAtMs: number;
  /** Fields recorded as given (launchType, capacityProviderStrategy, networkConfiguration...). */
  recorded: Record<string, unknown>;
  /** Tags as given to CreateService, returned by DescribeServices with `include: ['TAGS']`. */
  readonly tags: readonly unknown[];
  deployments: Deployment[];
  /** Newest first, at most {@link MAX_SERVICE_EVENTS}. */
  events: ServiceEvent[];
  /** Tasks of this service that have not stopped yet. */
  readonly tasks: Set<Task>;
  /** Consecutive tasks that exited on their own soon after starting (crash loop backoff). */
  failureStreak: number;
  /** No task is started before this wall-clock time (crash loop backoff). */
  restartNotBeforeMs: number;
  restartTimer?: NodeJS.Timeout;
  /** The last scale-in blocked by protection, so the event is not repeated every reconcile. */
  lastBlockedEvent?: string;
  /** Whether a "steady state" event is owed when running reaches desired. */
  steadyEventOwed: boolean;
}

/** A cluster: a namespace for services and tasks. */
export interface Cluster {
  readonly store: RegionStore;
  readonly name: string;
  readonly arn: string;
  status: 'ACTIVE' | 'INACTIVE';
  readonly recorded: Readonly<Record<string, unknown>>;
  readonly services: Map<string, Service>;
  /** Every task still known, running or stopped (stopped ones are pruned oldest first). */
  readonly tasks: Map<string, Task>;
}

/** The resources of one account and region. */
export interface RegionStore {
  readonly region: string;
  readonly accountId: string;
  readonly clusters: Map<string, Cluster>;
  /** family → revisions, index = revision - 1. */
  readonly taskDefinitions: Map<string, TaskDefinition[]>;
}

/** ECS returns at most 100 events per service. */
export const MAX_SERVICE_EVENTS = 100;

/** Stopped tasks kept per cluster for Describe/List (ECS keeps them about an hour). */
export const MAX_STOPPED_TASKS_PER_CLUSTER = 1000;
