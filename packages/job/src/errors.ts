/** One problem found in a job spec or in the resources it is generated for. */
export interface JobSpecIssue {
  /** The field, as a dotted path from the spec's root, e.g. `batching.maxItems`, `items.headers[2]`. */
  readonly path: string;
  /** What is wrong, starting with the path, e.g. `batching.maxItems must be between 1 and 100000, got 0`. */
  readonly message: string;
}

/**
 * A job spec (or the resources given to the generator) is invalid. Carries every problem found,
 * not only the first, so one run shows the user all there is to fix.
 */
export class JobSpecError extends Error {
  /** Every problem, in the order the fields were checked. */
  readonly issues: readonly JobSpecIssue[];

  constructor(issues: readonly JobSpecIssue[], subject = 'job spec') {
    const lines = issues.map((issue) => `  - ${issue.message}`).join('\n');
    super(`invalid ${subject} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines}`);
    this.name = 'JobSpecError';
    this.issues = Object.freeze([...issues]);
  }
}
