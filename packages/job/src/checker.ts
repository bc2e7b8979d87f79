import type { JobSpecIssue } from './errors.ts';

/** Bounds of a number field. */
export interface NumberBounds {
  readonly min: number;
  readonly max: number;
}

/**
 * Collects the problems of a spec while it is resolved, so all of them are reported at once.
 * Each check returns the checked value, the default when the field is absent, or `undefined`
 * when the field is invalid (the problem is recorded; callers skip checks that depend on it).
 */
export class Checker {
  readonly issues: JobSpecIssue[] = [];

  /** Records a problem: `problem` reads after the path, e.g. `must be a string`. */
  report(path: string, problem: string): void {
    // The root has no path: call it what the user passed.
    this.issues.push({ path, message: `${path === '' ? 'the spec' : path} ${problem}` });
  }

  /**
   * A plain object whose keys are all in `known`. Absent → `{}` when `optional`, else a problem.
   * Unknown keys are problems (a typo must not silently fall back to a default).
   */
  object(
    path: string,
    value: unknown,
    known: readonly string[],
    optional = true,
  ): Record<string, unknown> | undefined {
    if (value === undefined && optional) return {};
    if (!isPlainObject(value)) {
      this.report(path, `must be an object, got ${describe(value)}`);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.report(join(path, key), `is not a known field (known: ${known.join(', ')})`);
      }
    }
    return value;
  }

  /** An integer within bounds. */
  integer(path: string, value: unknown, bounds: NumberBounds, fallback?: number): number | undefined {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < bounds.min || value > bounds.max) {
      this.report(path, `must be an integer between ${bounds.min} and ${bounds.max}, got ${describe(value)}`);
      return undefined;
    }
    return value;
  }

  /** A finite number within bounds. */
  number(path: string, value: unknown, bounds: NumberBounds, fallback?: number): number | undefined {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < bounds.min || value > bounds.max) {
      this.report(path, `must be a number between ${bounds.min} and ${bounds.max}, got ${describe(value)}`);
      return undefined;
    }
    return value;
  }

  /** A string; `rule` (when given) returns a problem or undefined. */
  string(
    path: string,
    value: unknown,
    fallback?: string,
    rule?: (s: string) => string | undefined,
  ): string | undefined {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'string') {
      this.report(path, `must be a string, got ${describe(value)}`);
      return undefined;
    }
    const problem = rule?.(value);
    if (problem !== undefined) {
      this.report(path, problem);
      return undefined;
    }
    return value;
  }

  /** One of a fixed set of values. */
  oneOf<T extends string | number | boolean>(
    path: string,
    value: unknown,
    options: readonly T[],
    fallback?: T,
  ): T | undefined {
    if (value === undefined && fallback !== undefined) return fallback;
    if (!options.includes(value as T)) {
      this.report(
        path,
        `must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}, got ${describe(value)}`,
      );
      return undefined;
    }
    return value as T;
  }
}

/** `a.b` + `c` → `a.b.c`; the root path is `''`. */
export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** Whether a value is a plain JSON-like object (not an array, not null, not a class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A short rendering of a bad value for an error message. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
