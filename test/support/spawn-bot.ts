import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startScriptArgs } from '../../bench/lib/start-script.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface SpawnedBot {
  child: ChildProcess;
  port: number;
  url: string;
  /** Every stdout line so far (pino JSON). */
  lines: string[];
  stderr: () => string;
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The entry point as its own process with `env` only; script paths resolve from the repository. */
async function launch(
  env: Record<string, string>,
  compiled: boolean,
  cwd = repoRoot,
  user: { uid?: number; gid?: number } = {},
): Promise<ChildProcess> {
  const entry = (compiled ? await startScriptArgs() : ['--import', 'tsx', 'src/main.ts']).map((arg) =>
    /\.[jt]s$/.test(arg) && !isAbsolute(arg) ? join(repoRoot, arg) : arg,
  );
  return spawn(process.execPath, entry, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...user,
  });
}

/** Runs the real entry point with `env` only and waits for it to exit by itself (a start that is refused). */
export async function runBotToExit(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = await launch(env, false);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export interface SpawnOptions {
  timeoutMs?: number;
  compiled?: boolean;
  /** The working directory (with `compiled` only: tsx resolves from the repository). Default: the repository. */
  cwd?: string;
  /** False: resolve at once, without waiting for "cancel-stockin is up" (`port` is then 0). */
  awaitUp?: boolean;
  /** Run as this user and group (the test runs as root and needs a user whom permissions stop). */
  uid?: number;
  gid?: number;
}

/**
 * Runs the real entry point as its own process with `env` only: `src/main.ts` under tsx, or, with
 * `compiled`, the build as `npm start` runs it (its node flags and `dist/src/main.js`, after `npm run build`).
 */
export async function spawnBot(env: Record<string, string>, options: SpawnOptions = {}): Promise<SpawnedBot> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  if (options.cwd !== undefined && !options.compiled) throw new Error('spawnBot: cwd needs compiled');
  const user = {
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  };
  const child = await launch(env, options.compiled ?? false, options.cwd, user);
  const lines: string[] = [];
  let stderr = '';
  const listeners = new Set<() => void>();
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
    for (const listener of listeners) listener();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));

  function waitForLine(pattern: RegExp, limitMs = timeoutMs): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = lines.find((line) => pattern.test(line));
        if (found) {
          cleanup();
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`no log line matching ${pattern} within ${limitMs} ms; stderr: ${stderr.slice(-2000)}`),
        );
      }, limitMs);
      const onExit = () => {
        cleanup();
        reject(new Error(`bot exited before logging ${pattern}; stderr: ${stderr.slice(-2000)}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
        child.off('exit', onExit);
      };
      listeners.add(check);
      child.once('exit', onExit);
      check();
    });
  }

  const upLine = options.awaitUp === false ? null : await waitForLine(/cancel-stockin is up/);
  const port = upLine === null ? 0 : (JSON.parse(upLine) as { port: number }).port;
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}/slack/events`,
    lines,
    stderr: () => stderr,
    waitForLine,
    exited,
  };
}
