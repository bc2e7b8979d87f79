/**
 * An execution's event history, in the shape GetExecutionHistory returns. JSON payloads are
 * kept as the values themselves (never mutated by the engine) and serialized only when read,
 * so events that share an input do not each hold a copy of its text.
 */

/** A JSON value rendered as its JSON text when the event is serialized. */
export class JsonText {
  #value: unknown;
  #text: string | undefined;
  constructor(value: unknown) {
    this.#value = value;
  }
  /** Called by JSON.stringify: the field becomes the value's JSON text, as AWS sends it. */
  toJSON(): string {
    return this.#text ?? JSON.stringify(this.#value) ?? 'null';
  }
  /** Replaces the value by its text (shared through `memo` with other events holding the same value). */
  freeze(memo: Map<unknown, string>): void {
    if (this.#text !== undefined) return;
    let text = memo.get(this.#value);
    if (text === undefined) {
      text = JSON.stringify(this.#value) ?? 'null';
      if (typeof this.#value === 'object' && this.#value !== null) memo.set(this.#value, text);
    }
    this.#text = text;
    this.#value = undefined;
  }
}

/** Wraps a value for an event's `input` / `output` / `parameters` field. */
export const jsonText = (value: unknown): JsonText => new JsonText(value);

/** `inputDetails` / `outputDetails`: the engine never truncates. */
export const NOT_TRUNCATED = Object.freeze({ truncated: false });

/** One history event. `details` lands under the key AWS uses for the type (e.g. `activityStartedEventDetails`). */
export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  readonly detailsKey?: string;
  readonly details?: Record<string, unknown>;
}

/** The details key AWS uses for an event type (`ActivityStarted` → `activityStartedEventDetails`). */
function detailsKeyFor(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type[0]!.toLowerCase()}${type.slice(1)}EventDetails`;
}

/** Appends events with increasing ids. */
export class History {
  readonly events: HistoryEvent[] = [];
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /**
   * Turns every JSON value the events hold into its text, one string per distinct value: a
   * finished execution then keeps compact strings instead of object graphs.
   */
  freeze(memo: Map<unknown, string>): void {
    for (const event of this.events) {
      if (!event.details) continue;
      for (const v of Object.values(event.details)) if (v instanceof JsonText) v.freeze(memo);
    }
  }

  /** Records an event; returns its id. */
  add(type: string, details?: Record<string, unknown>): number {
    const id = this.events.length + 1;
    const event: HistoryEvent = {
      id,
      previousEventId: id - 1,
      timestamp: this.#now(),
      type,
      ...(details ? { detailsKey: detailsKeyFor(type), details } : {}),
    };
    this.events.push(event);
    return id;
  }
}

/** The wire form of an event (timestamps as epoch seconds, details under their key). */
export function toWire(event: HistoryEvent, includeData: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    timestamp: event.timestamp / 1000,
    type: event.type,
    id: event.id,
    previousEventId: event.previousEventId,
  };
  if (event.details && event.detailsKey) {
    let details = event.details;
    if (!includeData) {
      details = { ...details };
      for (const k of ['input', 'output', 'parameters']) delete details[k];
    }
    out[event.detailsKey] = details;
  }
  return out;
}
