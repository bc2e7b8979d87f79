/**
 * Fault injection for tests and benchmarks: per service and operation, added latency, a rate
 * of throttling errors (answered before the call takes effect), and a rate of responses dropped
 * after the call took effect (the connection is reset, as a lost response looks to a client).
 */
export interface FaultRule {
  /**
   * Signing name of the service (`states`, `ecs`, `s3`), or `*`. The ECS agent endpoint
   * (`$ECS_AGENT_URI`, operations `UpdateTaskProtection` and `GetTaskProtection`) is
   * `ecs-agent`, and only a rule naming it applies there: `*` means the AWS services.
   * @defaultValue `'*'`
   */
  readonly service?: string;
  /** Operation name (`SendTaskSuccess`, `GetObject`...), or `*`. @defaultValue `'*'` */
  readonly operation?: string;
  /** Fixed latency added before the call is handled. @defaultValue 0 */
  readonly latencyMs?: number;
  /** Uniform random extra latency in [0, jitterMs). @defaultValue 0 */
  readonly jitterMs?: number;
  /** Probability in [0, 1] that the call is refused with ThrottlingException (S3: SlowDown). @defaultValue 0 */
  readonly throttleRate?: number;
  /** Probability in [0, 1] that the response is dropped after the call took effect. @defaultValue 0 */
  readonly dropRate?: number;
  /**
   * Probability in [0, 1] that the call is refused with a server error before it takes effect
   * (JSON services: 500 `InternalFailure`; S3: 500 `InternalError`), which SDKs retry.
   * @defaultValue 0
   */
  readonly serverErrorRate?: number;
}

/** What the injector decided for one request. */
export interface FaultDecision {
  /** Latency to add before handling the call. */
  readonly delayMs: number;
  /** Refuse the call with ThrottlingException / SlowDown; it does not take effect. */
  readonly throttle: boolean;
  /** Refuse the call with a 500; it does not take effect. */
  readonly serverError: boolean;
  /** Handle the call, then reset the connection instead of answering (only if it succeeded). */
  readonly drop: boolean;
}

/** Counts of faults injected so far, per `service.operation`. */
export interface FaultCounts {
  throttled: Record<string, number>;
  serverErrors: Record<string, number>;
  dropped: Record<string, number>;
}

/** Holds the active fault rules; every request asks it what to do. */
export class FaultInjector {
  #rules: FaultRule[] = [];
  #random: () => number;
  readonly counts: FaultCounts = { throttled: {}, serverErrors: {}, dropped: {} };

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /** Replaces all rules. An empty list turns fault injection off. */
  set(rules: readonly FaultRule[]): void {
    for (const rule of rules) validateRule(rule);
    this.#rules = [...rules];
  }

  /** Adds one rule to the active ones. */
  add(rule: FaultRule): void {
    validateRule(rule);
    this.#rules.push(rule);
  }

  /** Removes every rule. */
  clear(): void {
    this.#rules = [];
  }

  get rules(): readonly FaultRule[] {
    return this.#rules;
  }

  /**
   * Decides the faults for one call; every matching rule applies (latencies add up). With
   * `namedOnly`, rules for every service (`*`) are skipped: only rules naming `service` apply.
   */
  decide(service: string, operation: string, { namedOnly = false } = {}): FaultDecision {
    let delayMs = 0;
    let throttle = false;
    let serverError = false;
    let drop = false;
    for (const rule of this.#rules) {
      const ruleService = rule.service ?? '*';
      if (ruleService === '*' ? namedOnly : ruleService !== service) continue;
      if ((rule.operation ?? '*') !== '*' && rule.operation !== operation) continue;
      delayMs += (rule.latencyMs ?? 0) + (rule.jitterMs ? this.#random() * rule.jitterMs : 0);
      if (rule.throttleRate && this.#random() < rule.throttleRate) throttle = true;
      if (rule.serverErrorRate && this.#random() < rule.serverErrorRate) serverError = true;
      if (rule.dropRate && this.#random() < rule.dropRate) drop = true;
    }
    const key = `${service}.${operation}`;
    if (throttle) this.counts.throttled[key] = (this.counts.throttled[key] ?? 0) + 1;
    else if (serverError) this.counts.serverErrors[key] = (this.counts.serverErrors[key] ?? 0) + 1;
    return {
      delayMs,
      throttle,
      serverError: serverError && !throttle,
      drop: drop && !throttle && !serverError,
    };
  }

  /**
   * Counts a response actually dropped. The router calls it only when the call succeeded:
   * an error answer (the call did not take effect) is delivered even when a drop was decided.
   */
  recordDrop(service: string, operation: string): void {
    const key = `${service}.${operation}`;
    this.counts.dropped[key] = (this.counts.dropped[key] ?? 0) + 1;
  }
}

function validateRule(rule: FaultRule): void {
  for (const field of ['throttleRate', 'dropRate', 'serverErrorRate'] as const) {
    const value = rule[field];
    if (value !== undefined && !(value >= 0 && value <= 1)) {
      throw new RangeError(`FaultRule.${field} must be in [0, 1], got ${value}`);
    }
  }
  for (const field of ['latencyMs', 'jitterMs'] as const) {
    const value = rule[field];
    if (value !== undefined && !(value >= 0 && Number.isFinite(value))) {
      throw new RangeError(`FaultRule.${field} must be a non-negative number, got ${value}`);
    }
  }
}
