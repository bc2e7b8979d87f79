/** DescribeMapRun, ListMapRuns and UpdateMapRun, as the Step Functions API defines them. */
import { AwsError, validationError } from '../aws-error.ts';
import type { JsonOperation } from '../service.ts';
import { parseStatesArn } from './arns.ts';
import type { Engine } from './engine.ts';
import { findExecution } from './execution-operations.ts';
import type { MapRun } from './map-run.ts';
import { MAX_CHILDREN } from './map-run.ts';
import { paginate, wireTime } from './params.ts';

function findMapRun(engine: Engine, arn: unknown): MapRun {
  parseStatesArn(arn, 'mapRun');
  const run = engine.registry.mapRuns.get(arn as string);
  if (!run) throw new AwsError('ResourceNotFound', `Resource not found: '${String(arn)}'`);
  return run;
}

/** The Map Run operations of the Step Functions API. */
export function mapRunOperations(engine: Engine): Record<string, JsonOperation> {
  return {
    DescribeMapRun(input) {
      const run = findMapRun(engine, input.mapRunArn);
      return {
        mapRunArn: run.arn,
        executionArn: run.executionArn,
        status: run.status,
        startDate: wireTime(run.startDate),
        ...(run.stopDate !== undefined ? { stopDate: wireTime(run.stopDate) } : {}),
        maxConcurrency: run.maxConcurrency,
        toleratedFailurePercentage: run.toleratedFailurePercentage ?? 0,
        toleratedFailureCount: run.toleratedFailureCount ?? 0,
        itemCounts: run.itemCounts.toWire(),
        executionCounts: run.executionCounts.toWire(),
        redriveCount: 0,
      };
    },

    ListMapRuns(input) {
      const execution = findExecution(engine, input.executionArn);
      const runs = engine.registry.mapRunsByExecution.get(execution.arn) ?? [];
      const { page, nextToken } = paginate(runs, input);
      return {
        mapRuns: page.map((r) => ({
          executionArn: r.executionArn,
          mapRunArn: r.arn,
          stateMachineArn: r.stateMachineArn,
          startDate: wireTime(r.startDate),
          ...(r.stopDate !== undefined ? { stopDate: wireTime(r.stopDate) } : {}),
        })),
        ...(nextToken ? { nextToken } : {}),
      };
    },

    UpdateMapRun(input) {
      const run = findMapRun(engine, input.mapRunArn);
      const { maxConcurrency, toleratedFailurePercentage, toleratedFailureCount } = input;
      if (
        maxConcurrency === undefined &&
        toleratedFailurePercentage === undefined &&
        toleratedFailureCount === undefined
      ) {
        throw validationError(
          'At least one of maxConcurrency, toleratedFailurePercentage and toleratedFailureCount must be specified',
        );
      }
      if (
        maxConcurrency !== undefined &&
        !(
          Number.isInteger(maxConcurrency) &&
          (maxConcurrency as number) >= 0 &&
          (maxConcurrency as number) <= MAX_CHILDREN
        )
      ) {
        throw validationError(
          `Value '${String(maxConcurrency)}' at 'maxConcurrency' failed to satisfy constraint: Member must have value between 0 and ${MAX_CHILDREN}`,
        );
      }
      if (
        toleratedFailurePercentage !== undefined &&
        !(
          typeof toleratedFailurePercentage === 'number' &&
          toleratedFailurePercentage >= 0 &&
          toleratedFailurePercentage <= 100
        )
      ) {
        throw validationError(
          `Value '${String(toleratedFailurePercentage)}' at 'toleratedFailurePercentage' failed to satisfy constraint: Member must have value between 0 and 100`,
        );
      }
      if (
        toleratedFailureCount !== undefined &&
        !(Number.isInteger(toleratedFailureCount) && (toleratedFailureCount as number) >= 0)
      ) {
        throw validationError(
          `Value '${String(toleratedFailureCount)}' at 'toleratedFailureCount' failed to satisfy constraint: Member must have value greater than or equal to 0`,
        );
      }
      run.update({
        maxConcurrency: maxConcurrency as number | undefined,
        toleratedFailurePercentage: toleratedFailurePercentage as number | undefined,
        toleratedFailureCount: toleratedFailureCount as number | undefined,
      });
      return {};
    },
  };
}
