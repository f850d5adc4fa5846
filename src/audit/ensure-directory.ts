import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `mkdir -p` that always ends. Node's own `mkdirSync(dir, { recursive: true })` never returns when mkdir
 * answers ENOENT under a parent that exists (`/proc/no-such-dir`): it retries the same path forever, and the
 * audit store's thread then hung without a word. Here each missing level is created once, from the nearest
 * existing ancestor down, and the first refusal is thrown as it is (ENOENT, EACCES, EROFS, ENOTDIR).
 */
export function ensureDirectory(dir: string): void {
  const missing: string[] = [];
  let current = dir;
  for (;;) {
    try {
      if (!statSync(current).isDirectory()) {
        throw Object.assign(new Error(`ENOTDIR: not a directory, '${current}'`), { code: 'ENOTDIR' });
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const parent = dirname(current);
      if (parent === current) break;
      missing.push(current);
      current = parent;
    }
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** SQLite says only "unable to open database file" for a folder where the file should be: say what it is. */
export function refuseDirectory(path: string): void {
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    return;
  }
  if (isDirectory) {
    throw Object.assign(new Error(`EISDIR: a directory is where the database file should be, '${path}'`), {
      code: 'EISDIR',
    });
  }
}
