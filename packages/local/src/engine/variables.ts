/**
 * Workflow variables (`Assign`). A scope sees its parents' variables; an assignment lands in
 * the scope that already holds the name, else in the current one. Map and Parallel iterations
 * get a child scope, so what they assign does not leak into the enclosing states, as AWS
 * scopes variables.
 */
export class VariableScope {
  readonly #values = new Map<string, unknown>();
  readonly #parent: VariableScope | undefined;

  constructor(parent?: VariableScope) {
    this.#parent = parent;
  }

  /** Whether the name is visible from this scope. */
  has(name: string): boolean {
    return this.#values.has(name) || (this.#parent?.has(name) ?? false);
  }

  /** The value of a visible variable, or undefined. */
  get(name: string): unknown {
    if (this.#values.has(name)) return this.#values.get(name);
    return this.#parent?.get(name);
  }

  /** Assigns several variables at once (values were all computed before any is set). */
  assign(values: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(values)) {
      let scope: VariableScope | undefined = this;
      while (scope && !scope.#values.has(name)) scope = scope.#parent;
      (scope ?? this).#values.set(name, value);
    }
  }

  /** Every visible variable, inner scopes winning (JSONata bindings). */
  all(): Record<string, unknown> {
    const out = this.#parent ? this.#parent.all() : {};
    for (const [k, v] of this.#values) out[k] = v;
    return out;
  }
}
