import { join } from 'node:path';
import { type ServerProcess, startServerProcess } from './node-process.js';

/** Both servers run the same way: `node --import tsx <entry>` in a child process of their own. */
const TSX = ['--import', 'tsx'];

export type TargetName = 'bot' | 'floor';

/** The real entry point, `src/main.ts`, with a fresh SQLite audit file in `workDir`. */
export function startBot(
  env: Record<string, string>,
  workDir: string,
  entry: 'tsx' | 'dist' = 'tsx',
): Promise<ServerProcess> {
  return startServerProcess({
    args: entry === 'tsx' ? [...TSX, 'src/main.ts'] : ['dist/src/main.js'],
    env: { LOG_LEVEL: 'info', ...env, AUDIT_DB_PATH: join(workDir, `audit-${entry}-${Date.now()}.db`) },
    logFile: join(workDir, `bot-${entry}.log`),
  });
}

export function startFloor(env: Record<string, string>, workDir: string): Promise<ServerProcess> {
  return startServerProcess({
    args: [...TSX, 'bench/floor/main.ts'],
    env,
    logFile: join(workDir, 'floor.log'),
  });
}
