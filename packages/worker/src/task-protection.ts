/**
 * ECS task scale-in protection through the ECS agent (`PUT $ECS_AGENT_URI/task-protection/v1/state`):
 * on while the worker holds or is about to take work, refreshed before it expires, released
 * once idle for a while. A refusal tells the worker to stop taking work ({@link ProtectionContext.onRefused}).
 */

/** What protection needs from the worker. */
export interface ProtectionContext {
  /** `ECS_AGENT_URI`. */
  readonly agentUri: string;
  /** ExpiresInMinutes of each PUT (1–2,880). */
  readonly expiresInMinutes: number;
  /** The backend's time scale: protection lasts `expiresInMinutes` ÷ this in real time. */
  readonly timeScale: number;
  /** Idle time after the last task before protection is released. */
  readonly idleReleaseMs: number;
  readonly log: { info(o: object, m: string): void; warn(o: object, m: string): void };
  /** The agent refused protection: stop taking work and exit cleanly. */
  onRefused(reason: string): void;
  /** Each change of state (for events and metrics). */
  onChange?(enabled: boolean): void;
}

/** Keeps the ECS task protected while it has work. */
export class TaskProtection {
  readonly #ctx: ProtectionContext;
  #enabled = false;
  #expiresAt = 0;
  #holding = 0;
  #lastBusyAt = 0;
  #pending: Promise<boolean> | undefined;
  /** Every change, in order: two PUTs in flight at once could land in either order. */
  #changes: Promise<unknown> = Promise.resolve();
  /** Releases queued or in flight: until they are done, `enabled` may be about to turn false. */
  #releasing = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #refreshTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(ctx: ProtectionContext) {
    this.#ctx = ctx;
  }

  /** Whether the task is protected now (as last set). */
  get enabled(): boolean {
    return this.#enabled;
  }

  /**
   * Before a poll: when the worker has been busy recently a task may arrive any moment, so
   * make sure protection is on and fresh. An idle worker polls unprotected.
   */
  async beforePoll(): Promise<boolean> {
    const recentlyBusy = this.#holding > 0 || Date.now() - this.#lastBusyAt < this.#ctx.idleReleaseMs;
    if (!recentlyBusy) return true;
    return this.#ensure();
  }

  /**
   * A task arrived: protect now (if not already) and cancel a pending release. Resolves once
   * the task is protected (at once when it already is), false when protection was refused (the
   * worker is stopping then): an idle worker polls unprotected, so the task must not start
   * before it is protected, or a scale-in could pick this ECS task in between.
   */
  taskStarted(): Promise<boolean> {
    this.#holding++;
    this.#lastBusyAt = Date.now();
    clearTimeout(this.#idleTimer);
    return this.#ensure();
  }

  /** A task ended: once nothing is held for `idleReleaseMs`, release. */
  taskEnded(): void {
    this.#holding = Math.max(0, this.#holding - 1);
    this.#lastBusyAt = Date.now();
    if (this.#holding > 0) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => void this.#release(), this.#ctx.idleReleaseMs);
    this.#idleTimer.unref();
  }

  /** Releases protection (at shutdown) and stops the timers. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#refreshTimer);
    await this.#serially(() => (this.#enabled ? this.#set(false, true) : true));
  }

  /** How long one protection lasts, in real milliseconds. */
  get #lifeMs(): number {
    return (this.#ctx.expiresInMinutes * 60_000) / this.#ctx.timeScale;
  }

  /** Makes sure protection is on and has more than a quarter of its life left (`refresh`: renews it now). */
  #ensure(refresh = false): Promise<boolean> {
    if (this.#closed) return Promise.resolve(true);
    const fresh = Date.now() < this.#expiresAt - this.#lifeMs / 4;
    if (this.#enabled && this.#releasing === 0 && fresh && !refresh) return Promise.resolve(true);
    this.#pending ??= this.#serially(() => this.#set(true)).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  #release(): Promise<boolean> {
    this.#releasing++;
    // #set(false) skips the release if a task arrived while it waited for its turn.
    return this.#serially(() => this.#set(false)).finally(() => {
      this.#releasing--;
    });
  }

  /** Runs `change` after every change queued before it (never rejects: #set does not). */
  #serially(change: () => Promise<boolean> | boolean): Promise<boolean> {
    const result = this.#changes.then(change);
    this.#changes = result;
    return result;
  }

  async #set(enabled: boolean, force = false): Promise<boolean> {
    if (this.#closed && !force) return true;
    if (!enabled && this.#holding > 0) return true;
    const body = enabled
      ? { ProtectionEnabled: true, ExpiresInMinutes: this.#ctx.expiresInMinutes }
      : { ProtectionEnabled: false };
    let reason: string | undefined;
    let notApplicable = false;
    try {
      const res = await fetch(`${this.#ctx.agentUri.replace(/\/$/, '')}/task-protection/v1/state`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5_000),
      });
      const text = await res.text();
      const parsed = safeJson(text) as {
        protection?: { ProtectionEnabled?: boolean };
        failure?: { Reason?: string };
        error?: unknown;
      };
      // A task outside a service (RunTask) is never scaled in: protection does not apply to it.
      notApplicable = parsed?.failure?.Reason === 'TASK_NOT_VALID';
      if (!res.ok || parsed?.failure || parsed?.error || parsed?.protection?.ProtectionEnabled !== enabled) {
        reason = `HTTP ${res.status}: ${text.slice(0, 300)}`;
      }
    } catch (error) {
      reason = `agent unreachable: ${(error as Error).message}`;
    }
    if (notApplicable) {
      this.#ctx.log.info({ reason }, 'task protection does not apply to this task (not in a service): off');
      this.#closed = true;
      return true;
    }
    if (reason !== undefined) {
      this.#ctx.log.warn({ enabled, reason }, 'task protection change refused');
      if (enabled) this.#ctx.onRefused(reason);
      return false;
    }
    if (this.#enabled !== enabled) {
      this.#ctx.log.info({ enabled }, enabled ? 'task protection on' : 'task protection off');
      this.#ctx.onChange?.(enabled);
    }
    this.#enabled = enabled;
    this.#expiresAt = enabled ? Date.now() + this.#lifeMs : 0;
    clearTimeout(this.#refreshTimer);
    if (enabled) {
      // Long tasks may hold every slot with no poll to refresh it: refresh on a timer too.
      this.#refreshTimer = setTimeout(() => void this.#ensure(true), (this.#lifeMs * 3) / 4);
      this.#refreshTimer.unref();
    }
    return true;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
