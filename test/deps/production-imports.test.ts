import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** What production runs: the bot, the audit CLI and the doctor operators use, and the SQLite worker thread. */
const ENTRIES = ['src/main.ts', 'src/audit/cli.ts', 'src/doctor.ts', 'src/audit/sqlite/thread-worker.ts'];
const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[\w*\s{},]*?\s+from\s+)?'([^']+)';/gm;
const DYNAMIC_IMPORT = /\bimport\('([^']+)'\)/g;
/** Imports reachable only in development, each with where and why. */
const DEV_ONLY: Record<string, string> = {
  tsx: 'src/module-worker.ts loads it only when its caller itself runs under tsx (tests, the bench)',
};

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Every package imported at run time (type-only imports are erased) by the files reachable from ENTRIES. */
function runtimePackages(): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const queue = ENTRIES.map((entry) => join(root, entry));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8').replace(/^\s*import\s+type\s[\s\S]*?from\s+'[^']+';/gm, '');
    const specifiers = [...text.matchAll(IMPORT)].map((m) => m[2]!);
    specifiers.push(...[...text.matchAll(DYNAMIC_IMPORT)].map((m) => m[1]!));
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.set(packageOf(specifier), file.slice(root.length));
    }
  }
  return packages;
}

describe('production dependencies (issue 19.11)', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const used = runtimePackages();
  const builtin = (name: string) => name.startsWith('node:') || builtinModules.includes(name);

  it('imports at run time only production dependencies and Node built-ins', () => {
    const outside = [...used].filter(
      ([name]) => !builtin(name) && !(name in manifest.dependencies) && !(name in DEV_ONLY),
    );
    expect(outside.map(([name, file]) => `${name} (from ${file})`)).toEqual([]);
  });

  it('lists no production dependency that production does not import', () => {
    const unused = Object.keys(manifest.dependencies).filter((name) => !used.has(name));
    expect(unused).toEqual([]);
  });
});
