import type { State, StateMachineDefinition } from '@stepfleet/job';
import { InvalidPropsError } from './errors.ts';

/** The service integrations a state machine definition calls, i.e. what its role must allow. */
export interface DefinitionNeeds {
  /** A Distributed Map runs: child executions of the state machine itself. */
  readonly distributedMap: boolean;
  /** ECS API actions (IAM names, e.g. `ecs:UpdateService`) called through `aws-sdk:ecs:*`. */
  readonly ecsActions: readonly string[];
  /** `lambda:invoke` is called (the fleet controller). */
  readonly invokesLambda: boolean;
  /** An ItemReader lists objects (`s3:listObjectsV2`). */
  readonly listsObjects: boolean;
  /** An ItemReader reads one object (`s3:getObject`). */
  readonly readsObject: boolean;
  /** A ResultWriter writes the Map Run's results. */
  readonly writesResults: boolean;
}

const AWS_SDK_ECS = 'arn:aws:states:::aws-sdk:ecs:';
const LAMBDA_INVOKE = /^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/;

/**
 * Walks a definition (nested ItemProcessors included) and lists the integrations it calls, so
 * the state machine's role is derived from the definition itself: a permission exists exactly
 * when a state needs it. A Task resource it does not know is an error, never a silent gap.
 * Activities need no permission on the state machine's role.
 *
 * @param activityArns the activity ARNs the definition may name as Task resources
 */
export function definitionNeeds(
  definition: StateMachineDefinition,
  activityArns: readonly string[],
): DefinitionNeeds {
  const ecsActions = new Set<string>();
  const needs = {
    distributedMap: false,
    invokesLambda: false,
    listsObjects: false,
    readsObject: false,
    writesResults: false,
  };
  const visit = (states: Readonly<Record<string, State>>): void => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') {
        const resource = state.Resource;
        if (activityArns.includes(resource)) continue;
        if (resource.startsWith(AWS_SDK_ECS))
          ecsActions.add(`ecs:${upperFirst(resource.slice(AWS_SDK_ECS.length))}`);
        else if (LAMBDA_INVOKE.test(resource)) needs.invokesLambda = true;
        else throw new InvalidPropsError(`state ${name}: no IAM mapping for Task resource ${resource}`);
      } else if (state.Type === 'Map') {
        needs.distributedMap = true;
        if (state.ItemReader.Resource === 'arn:aws:states:::s3:listObjectsV2') needs.listsObjects = true;
        else needs.readsObject = true;
        if (state.ResultWriter) needs.writesResults = true;
        visit(state.ItemProcessor.States);
      }
    }
  };
  visit(definition.States);
  return { ...needs, ecsActions: [...ecsActions].sort() };
}

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
