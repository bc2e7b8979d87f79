import type { JobResources } from '@stepfleet/job';
import { Token } from 'aws-cdk-lib';
import { InvalidPropsError } from './errors.ts';

/**
 * Placeholders of the deployed definition, each bound to its resource through the state
 * machine's `DefinitionSubstitutions`: the template's `DefinitionString` is the generator's JSON
 * word for word, with `${Name}` where an ARN or name is only known at deploy time.
 */
export const DEFINITION_PLACEHOLDERS = {
  activityArn: 'BatchActivityArn',
  aggregateActivityArn: 'AggregateActivityArn',
  cluster: 'ClusterName',
  service: 'ServiceName',
  inputBucket: 'InputBucketName',
  resultsBucket: 'ResultsBucketName',
  controller: 'ControllerFunctionName',
} as const;

/** A definition ready for `DefinitionBody.fromString`, and what binds its placeholders. */
export interface PlaceheldDefinition {
  /** The generator's JSON with `${Name}` where a deploy-time value goes. */
  readonly definitionString: string;
  /** `DefinitionSubstitutions`: placeholder name → token. */
  readonly substitutions: Record<string, string>;
}

/**
 * Replaces each unresolved token in the definition's JSON with a `${Name}` placeholder, and
 * returns the `DefinitionSubstitutions` that bind the placeholders back to the tokens.
 */
export function placeholdTokens(definitionJson: string, resources: JobResources): PlaceheldDefinition {
  let definitionString = definitionJson;
  const substitutions: Record<string, string> = {};
  const values: Record<keyof typeof DEFINITION_PLACEHOLDERS, string | undefined> = {
    activityArn: resources.activityArn,
    aggregateActivityArn: resources.aggregateActivityArn,
    cluster: resources.cluster,
    service: resources.service,
    inputBucket: resources.inputBucket,
    resultsBucket: resources.resultsBucket,
    controller: resources.controller?.functionName,
  };
  for (const [key, value] of Object.entries(values) as [
    keyof typeof DEFINITION_PLACEHOLDERS,
    string | undefined,
  ][]) {
    if (value === undefined || !Token.isUnresolved(value) || !definitionString.includes(value)) continue;
    const name = DEFINITION_PLACEHOLDERS[key];
    definitionString = definitionString.split(value).join(`\${${name}}`);
    substitutions[name] = value;
  }
  if (/\$\{Token\[/.test(definitionString)) {
    throw new InvalidPropsError('the generated definition holds a deploy-time value stepfleet cannot bind');
  }
  return { definitionString, substitutions };
}
