import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The finding id cdk-nag's AwsSolutions-IAM5 rule reports for a wildcard in a statement's
 * resource, e.g. `AwsSolutions-IAM5[Resource::<ResultsBucket1234.Arn>/results/*]`, so that an
 * acknowledgement names exactly that resource and nothing wider.
 *
 * The flattening mirrors cdk-nag's own (Ref → `<Id>`, GetAtt → `<Id.Attr>`, Join → concatenation,
 * Sub's `${X}` → `<X>`). Logical ids are resolved when this is called, so call it after the
 * referenced resources exist.
 */
export function wildcardResourceFinding(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resource))}]`;
}

/** The finding id cdk-nag's AwsSolutions-IAM5 rule reports for a wildcard action. */
export function wildcardActionFinding(action: string): string {
  return `AwsSolutions-IAM5[Action::${action}]`;
}

/**
 * Acknowledges cdk-nag findings on one construct, each with its reason. A thin wrapper so every
 * stepfleet acknowledgement goes through one place (and reads as a list of id → reason).
 */
export function acknowledge(scope: IConstruct, findings: Record<string, string>): void {
  for (const [id, reason] of Object.entries(findings)) Validations.of(scope).acknowledge({ id, reason });
}

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const fn = node as Record<string, unknown>;
    if (Array.isArray(fn['Fn::Join'])) {
      const [delimiter, items] = fn['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if ('Fn::Sub' in fn) return flatten(fn['Fn::Sub']);
    if (Array.isArray(fn['Fn::GetAtt'])) {
      const [id, attribute] = fn['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(id)}.${flatten(attribute)}>`;
    }
    if ('Fn::ImportValue' in fn) return flatten(fn['Fn::ImportValue']);
    if ('Ref' in fn) return `<${flatten(fn.Ref)}>`;
  }
  return JSON.stringify(node);
}
