import type { ConformanceCase } from '../case.ts';
export const distributedMapCases: ConformanceCase[] = [];
