/**
 * The task sizes Fargate accepts: for each CPU value (in CPU units, 1024 = 1 vCPU), the memory
 * values (MiB) allowed with it.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */
const FARGATE_MEMORY_BY_CPU: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, range(1024, 4096, 1024)],
  [1024, range(2048, 8192, 1024)],
  [2048, range(4096, 16384, 1024)],
  [4096, range(8192, 30720, 1024)],
  // 8 and 16 vCPU need Linux platform version 1.4.0 or later.
  [8192, range(16384, 61440, 4096)],
  [16384, range(32768, 122880, 8192)],
]);

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
}

/** The CPU values (CPU units) Fargate accepts. */
export const FARGATE_CPU_VALUES: readonly number[] = [...FARGATE_MEMORY_BY_CPU.keys()];

/** The memory values (MiB) Fargate accepts with `cpu`, or an empty list for an invalid `cpu`. */
export function fargateMemoryFor(cpu: number): readonly number[] {
  return FARGATE_MEMORY_BY_CPU.get(cpu) ?? [];
}

/** Whether `cpu` / `memoryMiB` is a task size Fargate accepts. */
export function isValidFargateSize(cpu: number, memoryMiB: number): boolean {
  return fargateMemoryFor(cpu).includes(memoryMiB);
}

/** Describes the memory values allowed with `cpu` in a short form for error messages. */
export function describeFargateMemory(cpu: number): string {
  const values = fargateMemoryFor(cpu);
  if (values.length <= 3) return values.join(', ');
  const step = values[1]! - values[0]!;
  return `${values[0]}..${values[values.length - 1]} in steps of ${step}`;
}
