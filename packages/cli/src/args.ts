import { UsageError } from './command.ts';

/** Parses an integer option in [min, max], or throws a UsageError naming the option. */
export function integerOption(
  name: string,
  text: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got '${text}'`);
  }
  return value;
}

/** Parses a positive finite number option, or throws a UsageError naming the option. */
export function positiveOption(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !(value > 0) || !Number.isFinite(value)) {
    throw new UsageError(`${name} must be a positive number, got '${text}'`);
  }
  return value;
}
