import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

export interface EnvFileResult {
  /** The absolute path read, or null when there was no file. */
  path: string | null;
  /** Names taken from the file. */
  applied: string[];
  /** Names the file also sets but the real environment already had: the environment wins. */
  keptFromEnvironment: string[];
}

/**
 * Loads `./.env` (relative to `cwd`) into `env` when the file exists, as `.env.example` promises. Variables
 * already in the environment are never replaced, whatever the Node version's own `loadEnvFile` does: an
 * operator's `FOO=x npm start` must win over a file left on disk. Never returns or logs a value.
 */
export function loadEnvFile(options: { cwd: string; env: NodeJS.ProcessEnv; name?: string }): EnvFileResult {
  const path = resolve(options.cwd, options.name ?? '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { path: null, applied: [], keptFromEnvironment: [] };
    throw new EnvFileError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const applied: string[] = [];
  const keptFromEnvironment: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (options.env[name] !== undefined) keptFromEnvironment.push(name);
    else {
      options.env[name] = value;
      applied.push(name);
    }
  }
  return { path, applied, keptFromEnvironment };
}

export class EnvFileError extends Error {
  override name = 'EnvFileError';
}
