import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));

/**
 * `npm start`'s node arguments, read from package.json, so that whatever runs the built bot (the bench, the
 * soak, the process tests) runs it exactly as production does, flags included.
 */
export async function startScriptArgs(): Promise<string[]> {
  const manifest = JSON.parse(await readFile(PACKAGE_JSON, 'utf8'));
  const [command, ...args] = String(manifest.scripts.start).trim().split(/\s+/);
  if (command !== 'node') throw new Error(`npm start should run node, not: ${manifest.scripts.start}`);
  return args;
}
