/**
 * A Distributed Map's Map Run as the API sees it: its identity, status, live settings
 * (maxConcurrency and tolerated failure, changeable through UpdateMapRun), its item and
 * execution counts, and its child executions. {@link runMapRun} (map-run-driver.ts) drives it.
 */
import type { Execution } from './execution.ts';
import { MapCounts } from './map-counts.ts';
import type { MapRunSettings } from './map-run-settings.ts';

/** AWS's ceiling of concurrent child executions (MaxConcurrency 0 means this). */
export const MAX_CHILDREN = 10_000;

/** A Map Run's status. */
export type MapRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/** One Map Run, as DescribeMapRun / ListMapRuns / UpdateMapRun see it. */
export class MapRun {
  readonly arn: string;
  readonly id: string;
  readonly executionArn: string;
  /** The children's state machine ARN (`stateMachine:<parent>/<label>`). */
  readonly stateMachineArn: string;
  readonly startDate: number;
  stopDate: number | undefined;
  status: MapRunStatus = 'RUNNING';
  maxConcurrency: number;
  /** Undefined when the definition sets none (DescribeMapRun then shows 0). */
  toleratedFailurePercentage: number | undefined;
  toleratedFailureCount: number | undefined;
  readonly itemCounts = new MapCounts();
  readonly executionCounts = new MapCounts();
  /** Child executions in start order (ListExecutions with mapRunArn, ResultWriter). */
  readonly children: Execution[] = [];
  #wake: (() => void) | undefined;

  constructor(init: {
    arn: string;
    id: string;
    executionArn: string;
    stateMachineArn: string;
    startDate: number;
    settings: MapRunSettings;
  }) {
    this.arn = init.arn;
    this.id = init.id;
    this.executionArn = init.executionArn;
    this.stateMachineArn = init.stateMachineArn;
    this.startDate = init.startDate;
    this.maxConcurrency = init.settings.maxConcurrency;
    this.toleratedFailurePercentage = init.settings.toleratedFailurePercentage;
    this.toleratedFailureCount = init.settings.toleratedFailureCount;
  }

  /** The number of children allowed to run at once right now. */
  get concurrencyLimit(): number {
    return this.maxConcurrency === 0 ? MAX_CHILDREN : Math.min(this.maxConcurrency, MAX_CHILDREN);
  }

  /** Ends the Map Run (the only way its status leaves RUNNING). */
  close(status: Exclude<MapRunStatus, 'RUNNING'>, now: number): void {
    if (this.status !== 'RUNNING') throw new Error(`Map Run ${this.arn} is already ${this.status}`);
    this.status = status;
    this.stopDate = now;
  }

  /** Applies UpdateMapRun's changes and lets the dispatcher react at once. */
  update(changes: {
    maxConcurrency?: number;
    toleratedFailurePercentage?: number;
    toleratedFailureCount?: number;
  }): void {
    if (changes.maxConcurrency !== undefined) this.maxConcurrency = changes.maxConcurrency;
    if (changes.toleratedFailurePercentage !== undefined)
      this.toleratedFailurePercentage = changes.toleratedFailurePercentage;
    if (changes.toleratedFailureCount !== undefined)
      this.toleratedFailureCount = changes.toleratedFailureCount;
    this.notify();
  }

  /** Wakes the dispatcher (a batch arrived, a child closed, a setting changed). */
  notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Resolves at the next {@link notify}. */
  changed(): Promise<void> {
    return new Promise((resolve) => {
      const previous = this.#wake;
      this.#wake = () => {
        previous?.();
        resolve();
      };
    });
  }

  /**
   * Whether the failures so far exceed the tolerated threshold. Unset thresholds do not apply;
   * with neither set, one failure is too many. The percentage is judged on the final total
   * (`final`), since a streamed reader does not know it before.
   */
  exceedsTolerance(final: boolean): boolean {
    const failedItems = this.itemCounts.failed + this.itemCounts.timedOut + this.itemCounts.aborted;
    if (failedItems === 0) return false;
    const count = this.toleratedFailureCount;
    const percentage = this.toleratedFailurePercentage;
    if (count === undefined && percentage === undefined) return true;
    if (count !== undefined && failedItems > count) return true;
    if (percentage !== undefined && final && this.itemCounts.total > 0) {
      return (failedItems / this.itemCounts.total) * 100 > percentage;
    }
    return false;
  }
}
