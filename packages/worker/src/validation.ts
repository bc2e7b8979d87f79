import type { StandardSchemaV1 } from '@standard-schema/spec';
import { InputInvalidError } from './errors.ts';

/**
 * Validates `value` with any Standard Schema (`schema['~standard'].validate`), returning the
 * schema's output (schemas may transform). Failure is an `Input.Invalid` naming each issue's
 * path under `where` (e.g. `Items[3].amount: Expected number`).
 */
export async function validateWith<T>(
  schema: StandardSchemaV1<unknown, T>,
  value: unknown,
  where: string,
): Promise<T> {
  const standard = (schema as Partial<StandardSchemaV1>)?.['~standard'];
  if (typeof standard?.validate !== 'function') {
    throw new TypeError(`the schema for ${where} is not a Standard Schema (no ['~standard'].validate)`);
  }
  const result = await standard.validate(value);
  if (result.issues === undefined) return (result as StandardSchemaV1.SuccessResult<T>).value;
  throw new InputInvalidError(
    `${where} failed its schema`,
    result.issues.slice(0, 20).map((issue) => `${where}${formatPath(issue.path)}: ${issue.message}`),
  );
}

function formatPath(path: StandardSchemaV1.Issue['path']): string {
  if (!path) return '';
  return path
    .map((seg) => {
      const key = typeof seg === 'object' && seg !== null ? seg.key : seg;
      return typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
    })
    .join('');
}
