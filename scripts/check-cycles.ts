/**
 * Fails when the TypeScript sources import each other in a cycle (STYLE: no circular imports).
 * Follows relative `.ts` imports and `@stepfleet/*` package imports (through each package's
 * `stepfleet-source` export), type-only imports excluded: they vanish at run time.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const sourceRoots = ['packages', 'examples'].flatMap((top) =>
  readdirSync(join(root, top)).map((name) => join(root, top, name, 'src')),
);

const IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

function files(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function packageEntry(specifier: string): string | undefined {
  const match = /^(@stepfleet\/[^/]+|stepfleet)(\/.*)?$/.exec(specifier);
  if (!match) return undefined;
  const dir = [...sourceRoots].map(dirname).find((d) => {
    try {
      return JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).name === match[1];
    } catch {
      return false;
    }
  });
  if (!dir) return undefined;
  const exports = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).exports ?? {};
  const target = exports[`.${match[2] ?? ''}`]?.['stepfleet-source'];
  return typeof target === 'string' ? join(dir, target) : undefined;
}

const graph = new Map<string, string[]>();
for (const file of sourceRoots.flatMap(files)) {
  const text = readFileSync(file, 'utf8');
  const deps: string[] = [];
  for (const [, specifier] of text.matchAll(IMPORT)) {
    if (!specifier) continue;
    const target = specifier.startsWith('.') ? resolve(dirname(file), specifier) : packageEntry(specifier);
    if (target?.endsWith('.ts')) deps.push(target);
  }
  graph.set(file, deps);
}

const state = new Map<string, 'visiting' | 'done'>();
const cycles: string[][] = [];
function visit(file: string, stack: string[]): void {
  if (state.get(file) === 'done') return;
  if (state.get(file) === 'visiting') {
    cycles.push([...stack.slice(stack.indexOf(file)), file]);
    return;
  }
  state.set(file, 'visiting');
  for (const dep of graph.get(file) ?? []) visit(dep, [...stack, file]);
  state.set(file, 'done');
}
for (const file of graph.keys()) visit(file, []);

if (cycles.length > 0) {
  for (const cycle of cycles)
    console.error(`import cycle: ${cycle.map((f) => relative(root, f)).join(' -> ')}`);
  process.exitCode = 1;
} else {
  console.log(`no import cycles in ${graph.size} source files`);
}
