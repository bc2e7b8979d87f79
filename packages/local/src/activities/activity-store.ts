import { AwsError, validationError } from '../aws-error.ts';
import type { Clock } from '../clock.ts';
import { ActivityPoll } from './activity-poll.ts';
import { ActivityTask, type TaskContext, type TaskRecord } from './activity-task.ts';
import { LazyFifo } from './lazy-fifo.ts';
import { activityArn, assertValidName, LIMITS, parseActivityArn } from './limits.ts';
import { TaskTokens, tokenFingerprint } from './task-token.ts';
import type {
  ActivityOutcome,
  ActivityScheduler,
  CallbackOptions,
  CallbackTask,
  ScheduleOptions,
} from './types.ts';

/** Options of {@link ActivityStore}. */
export interface ActivityStoreOptions {
  readonly clock: Clock;
  /** Simulated seconds a GetActivityTask waits for a task before answering empty (AWS: 60). */
  readonly pollSeconds: number;
  /** Keep a poll whose client disconnected registered until its window ends (AWS behaviour). */
  readonly keepPollsOfClosedConnections: boolean;
  /** How many closed tasks {@link ActivityStore.stats} remembers (the newest). */
  readonly recentTaskLimit: number;
}

/** Server-side encryption settings of an activity, as given to CreateActivity. */
export interface EncryptionConfiguration {
  readonly type: 'AWS_OWNED_KEY' | 'CUSTOMER_MANAGED_KMS_KEY';
  readonly kmsKeyId?: string;
  readonly kmsDataKeyReusePeriodSeconds?: number;
}

/** An activity as DescribeActivity shows it. */
export interface ActivityDescription {
  readonly activityArn: string;
  readonly name: string;
  /** Wall-clock ms since the epoch. */
  readonly creationDate: number;
  readonly encryptionConfiguration?: EncryptionConfiguration;
  readonly tags: readonly { readonly key: string; readonly value: string }[];
}

interface Activity extends ActivityDescription {
  readonly region: string;
  /** Creation order, for stable pagination. */
  readonly seq: number;
  readonly pending: LazyFifo<ActivityTask>;
  readonly polls: LazyFifo<ActivityPoll>;
  openPolls: number;
}

/** Running totals since the backend started. */
export interface ActivityCounts {
  scheduled: number;
  started: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  heartbeatTimedOut: number;
  aborted: number;
  heartbeats: number;
  polls: number;
  emptyPolls: number;
  /** Polls whose client connection closed while they waited. */
  pollsOfClosedConnections: number;
  /** Tasks handed to such polls: nobody received them; they wait for their heartbeat/timeout. */
  lostToClosedPolls: number;
}

/** A snapshot of the store for tests and the control API. */
export interface ActivityStats {
  readonly activities: number;
  readonly counts: Readonly<ActivityCounts>;
  /** Tasks queued and not yet picked up. */
  readonly pendingTasks: number;
  /** Tasks picked up (or callbacks) and not closed yet. */
  readonly runningTasks: number;
  /** GetActivityTask calls waiting right now. */
  readonly openPolls: number;
  /** Of those, the ones whose client connection has already closed. */
  readonly openPollsOfClosedConnections: number;
  /** Open tasks and the newest closed ones, in scheduling order. */
  readonly tasks: readonly TaskRecord[];
}

/** A task handed to a worker by GetActivityTask. */
export interface DeliveredTask {
  readonly taskToken: string;
  readonly input: string;
}

/**
 * The activities of one backend: definitions, FIFO task queues, long polls, task tokens and
 * their timeouts. Models only, no HTTP: `operations.ts` maps the wire calls onto it and the
 * engine calls {@link ActivityStore.schedule} directly.
 */
export class ActivityStore implements ActivityScheduler {
  readonly #options: ActivityStoreOptions;
  readonly #activities = new Map<string, Activity>();
  readonly #open = new Map<number, ActivityTask>();
  readonly #tokens = new TaskTokens();
  readonly #recent: TaskRecord[] = [];
  readonly #counts: ActivityCounts = {
    scheduled: 0,
    started: 0,
    succeeded: 0,
    failed: 0,
    timedOut: 0,
    heartbeatTimedOut: 0,
    aborted: 0,
    heartbeats: 0,
    polls: 0,
    emptyPolls: 0,
    pollsOfClosedConnections: 0,
    lostToClosedPolls: 0,
  };
  #nextTaskId = 1;
  #nextSeq = 1;
  #closed = false;
  readonly #taskContext: TaskContext;

  constructor(options: ActivityStoreOptions) {
    this.#options = options;
    this.#taskContext = { clock: options.clock, onClosed: (task) => this.#onTaskClosed(task) };
  }

  /** CreateActivity: idempotent by name (tags of a repeat call are ignored, as AWS does). */
  create(
    region: string,
    accountId: string,
    name: string,
    tags: ActivityDescription['tags'] = [],
    encryption?: EncryptionConfiguration,
  ): ActivityDescription {
    assertValidName(name);
    const arn = activityArn(region, accountId, name);
    const existing = this.#activities.get(arn);
    if (existing) {
      if (!sameEncryption(existing.encryptionConfiguration, encryption)) {
        throw new AwsError(
          'ActivityAlreadyExists',
          `Activity already exists: ${arn}; encryptionConfiguration may not be updated`,
        );
      }
      return existing;
    }
    const inRegion = [...this.#activities.values()].filter((a) => a.region === region);
    if (inRegion.length >= LIMITS.activitiesPerRegion) {
      throw new AwsError(
        'ActivityLimitExceeded',
        `At most ${LIMITS.activitiesPerRegion} activities per region`,
      );
    }
    const activity: Activity = {
      activityArn: arn,
      name,
      region,
      creationDate: this.#options.clock.now(),
      tags: [...tags],
      ...(encryption ? { encryptionConfiguration: encryption } : {}),
      seq: this.#nextSeq++,
      pending: new LazyFifo((task) => task.record.status === 'SCHEDULED'),
      polls: new LazyFifo((poll) => poll.isWaiting),
      openPolls: 0,
    };
    this.#activities.set(arn, activity);
    return activity;
  }

  /** DescribeActivity. */
  describe(arn: string): ActivityDescription {
    return this.#get(arn);
  }

  /** ListActivities of one region, in creation order, after position `after` (from a nextToken). */
  list(region: string, limit: number, after = 0): { activities: ActivityDescription[]; last?: number } {
    const page: Activity[] = [];
    for (const activity of this.#activities.values()) {
      if (activity.seq <= after || activity.region !== region) continue;
      if (page.length === limit) return { activities: page, last: page.at(-1)!.seq };
      page.push(activity);
    }
    return { activities: page };
  }

  /** DeleteActivity: waiting polls answer empty; tasks already queued run out their timeouts. */
  delete(arn: string): void {
    parseActivityArn(arn);
    const activity = this.#activities.get(arn);
    if (!activity) return;
    this.#activities.delete(arn);
    for (let poll = activity.polls.shift(); poll; poll = activity.polls.shift()) poll.end(null);
  }

  /**
   * GetActivityTask: the oldest queued task at once, else waits up to the poll window for one.
   * `clientGone` fires if the caller's connection closes while it waits.
   */
  async poll(arn: string, workerName: string, clientGone?: AbortSignal): Promise<DeliveredTask | null> {
    const activity = this.#get(arn);
    this.#counts.polls++;
    const queued = activity.pending.shift();
    if (queued) {
      this.#start(queued, workerName, false);
      return { taskToken: queued.token, input: queued.input };
    }
    if (activity.openPolls >= LIMITS.pollersPerActivity) {
      throw new AwsError(
        'ActivityWorkerLimitExceeded',
        `At most ${LIMITS.pollersPerActivity} concurrent GetActivityTask calls per activity`,
      );
    }
    const poll = new ActivityPoll({ onEnded: () => activity.openPolls-- }, workerName);
    activity.openPolls++;
    activity.polls.push(poll);
    // Ended while still queued: the queue skips it later, and may compact.
    const endInQueue = (): void => {
      if (poll.end(null)) activity.polls.noteEnded();
    };
    poll.expireWith(this.#options.clock.setTimeout(endInQueue, this.#options.pollSeconds * 1000));
    const onGone = (): void => {
      this.#counts.pollsOfClosedConnections++;
      if (this.#options.keepPollsOfClosedConnections) poll.connectionClosed = true;
      else endInQueue();
    };
    if (clientGone?.aborted) onGone();
    else clientGone?.addEventListener('abort', onGone, { once: true });
    const task = await poll.result;
    clientGone?.removeEventListener('abort', onGone);
    if (!task) {
      this.#counts.emptyPolls++;
      return null;
    }
    return { taskToken: task.token, input: task.input };
  }

  schedule(arn: string, input: string, options: ScheduleOptions = {}): Promise<ActivityOutcome> {
    try {
      const activity = this.#get(arn);
      if (typeof input !== 'string') throw validationError('Task input must be a JSON string');
      const task = this.#newTask(arn, input, options);
      this.#counts.scheduled++;
      if (!task.isOpen) return task.outcome; // signal already aborted
      const poll = activity.polls.shift();
      if (poll) {
        this.#start(task, poll.workerName, poll.connectionClosed);
        poll.end(task);
      } else {
        activity.pending.push(task);
      }
      return task.outcome;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  createCallback(options: CallbackOptions = {}): CallbackTask {
    const task = this.#newTask(null, '', options);
    task.start('', false);
    return { taskToken: task.token, outcome: task.outcome };
  }

  /** SendTaskSuccess (output already validated by the caller). */
  succeed(token: string, output: string): void {
    this.#task(token).close({ status: 'SUCCEEDED', output });
  }

  /** SendTaskFailure. */
  fail(token: string, error?: string, cause?: string): void {
    this.#task(token).close({
      status: 'FAILED',
      ...(error !== undefined ? { error } : {}),
      ...(cause !== undefined ? { cause } : {}),
    });
  }

  /** SendTaskHeartbeat. */
  heartbeat(token: string): void {
    this.#task(token).heartbeat();
    this.#counts.heartbeats++;
  }

  /** A snapshot for tests and `GET /_stepfleet/state`. */
  stats(): ActivityStats {
    let openPolls = 0;
    let closedConnectionPolls = 0;
    for (const activity of this.#activities.values()) {
      for (const poll of activity.polls.live()) {
        openPolls++;
        if (poll.connectionClosed) closedConnectionPolls++;
      }
    }
    const open = [...this.#open.values()].map((task) => ({ ...task.record }));
    const pending = open.filter((record) => record.status === 'SCHEDULED').length;
    const tasks = [...this.#recent.map((r) => ({ ...r })), ...open].sort((a, b) => a.taskId - b.taskId);
    return {
      activities: this.#activities.size,
      counts: { ...this.#counts },
      pendingTasks: pending,
      runningTasks: this.#open.size - pending,
      openPolls,
      openPollsOfClosedConnections: closedConnectionPolls,
      tasks,
    };
  }

  /** Ends every poll (empty) and aborts every open task. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const activity of this.#activities.values()) {
      for (let poll = activity.polls.shift(); poll; poll = activity.polls.shift()) poll.end(null);
    }
    for (const task of [...this.#open.values()]) task.close({ status: 'ABORTED' });
  }

  #get(arn: string): Activity {
    parseActivityArn(arn);
    const activity = this.#activities.get(arn);
    if (!activity) throw new AwsError('ActivityDoesNotExist', `Activity does not exist: '${arn}'`);
    return activity;
  }

  /** The open task of a token: `InvalidToken` if never minted here, `TaskTimedOut` if closed. */
  #task(token: string): ActivityTask {
    const taskId = this.#tokens.read(token);
    if (taskId === undefined)
      throw new AwsError('InvalidToken', 'Invalid Token: the task token is not valid');
    const task = this.#open.get(taskId);
    if (!task)
      throw new AwsError('TaskTimedOut', 'Task Timed Out: the task has timed out or was already closed');
    return task;
  }

  #newTask(arn: string | null, input: string, options: ScheduleOptions | CallbackOptions): ActivityTask {
    const heartbeatSeconds = checkSeconds('heartbeatSeconds', options.heartbeatSeconds);
    const timeoutSeconds =
      checkSeconds('timeoutSeconds', options.timeoutSeconds) ?? LIMITS.defaultTimeoutSeconds;
    const taskId = this.#nextTaskId++;
    const token = this.#tokens.mint(taskId);
    const task = new ActivityTask(
      this.#taskContext,
      { taskId, token, fingerprint: tokenFingerprint(token) },
      arn,
      input,
      {
        heartbeatMs: heartbeatSeconds === undefined ? undefined : heartbeatSeconds * 1000,
        timeoutMs: timeoutSeconds * 1000,
        signal: options.signal,
        onStarted: 'onStarted' in options ? options.onStarted : undefined,
        onHeartbeat: options.onHeartbeat,
      },
    );
    this.#open.set(taskId, task);
    if (options.signal?.aborted) task.close({ status: 'ABORTED' });
    return task;
  }

  #start(task: ActivityTask, workerName: string, lost: boolean): void {
    this.#counts.started++;
    if (lost) this.#counts.lostToClosedPolls++;
    task.start(workerName, lost);
  }

  #onTaskClosed(task: ActivityTask): void {
    const wasQueued = task.record.startedAt === null && task.record.activityArn !== null;
    this.#open.delete(task.record.taskId);
    const c = this.#counts;
    const { status, error } = task.record;
    if (status === 'SUCCEEDED') c.succeeded++;
    else if (status === 'FAILED') c.failed++;
    else if (status === 'ABORTED') c.aborted++;
    else if (error === 'States.HeartbeatTimeout') c.heartbeatTimedOut++;
    else c.timedOut++;
    if (wasQueued) this.#activities.get(task.record.activityArn!)?.pending.noteEnded();
    if (this.#options.recentTaskLimit > 0) {
      this.#recent.push(task.record);
      if (this.#recent.length > this.#options.recentTaskLimit) this.#recent.shift();
    }
  }
}

function checkSeconds(field: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
    throw validationError(`${field} must be a positive number of seconds, got ${value}`);
  }
  return value;
}

function sameEncryption(
  a: EncryptionConfiguration | undefined,
  b: EncryptionConfiguration | undefined,
): boolean {
  const type = (c: EncryptionConfiguration | undefined) => c?.type ?? 'AWS_OWNED_KEY';
  return (
    type(a) === type(b) &&
    a?.kmsKeyId === b?.kmsKeyId &&
    a?.kmsDataKeyReusePeriodSeconds === b?.kmsDataKeyReusePeriodSeconds
  );
}
