import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT, type ServerProcess, startServerProcess } from './node-process.js';
import { startScriptArgs } from './start-script.js';

const TSX = ['--import', 'tsx'];

export type TargetName = 'bot' | 'floor';

/** The real entry point with a fresh SQLite audit file in `workDir`: built (as `npm start` runs it) or tsx. */
export async function startBot(
  env: Record<string, string>,
  workDir: string,
  entry: 'tsx' | 'dist' = 'tsx',
): Promise<ServerProcess> {
  return startServerProcess({
    args: entry === 'tsx' ? [...TSX, 'src/main.ts'] : await startScriptArgs(),
    env: { LOG_LEVEL: 'info', ...env, AUDIT_DB_PATH: join(workDir, `audit-${entry}-${Date.now()}.db`) },
    logFile: join(workDir, `bot-${entry}.log`),
  });
}

/**
 * A floor (`bench/floor/<name>.ts`), compiled to `dist/bench/floor/<name>.js` and run by plain node like the
 * built bot: under tsx it carried ~25 MB of loader of its own, which made the RSS comparison flatter the
 * bot. `main` is the command path's floor; `confirm-floor` imports the bot's built WDT client and poster.
 */
export async function startFloor(
  env: Record<string, string>,
  workDir: string,
  name: 'main' | 'confirm-floor' = 'main',
): Promise<ServerProcess> {
  // Each floor file is compiled on its own; the module they share goes along.
  await mkdir(join(REPO_ROOT, 'dist/bench/floor'), { recursive: true });
  for (const file of [name, 'floor-app']) {
    const source = await readFile(join(REPO_ROOT, `bench/floor/${file}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    await writeFile(join(REPO_ROOT, `dist/bench/floor/${file}.js`), outputText);
  }
  const built = join(REPO_ROOT, `dist/bench/floor/${name}.js`);
  return startServerProcess({ args: [built], env, logFile: join(workDir, `floor-${name}.log`) });
}
