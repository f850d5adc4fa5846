import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Vitest global setup: builds `dist/` once before any test file runs. The bench smoke test starts the built
 * bot and floors, and `npm start` (its own test) builds too; before, the smoke test worked only when that
 * test happened to finish its build first. The build is incremental, so `npm start`'s rebuild rewrites
 * nothing a running process might be reading.
 */
export default function buildOnce(): void {
  execFileSync('npm', ['run', 'build', '--silent'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: 'inherit',
  });
}
