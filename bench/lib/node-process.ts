import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  origin: string;
  /** Spawn → first `GET /readyz` 200, in ms. */
  startupMs: number;
  logTail(): string;
  stop(): Promise<void>;
}

/** A free loopback port: the child is told its port so both the bot and the floor are addressed alike. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts `node <args>` with only `env` (plus PATH/HOME), logs to a file, and waits for `GET /readyz` 200,
 * polling every 5 ms; the poll interval bounds the start-up measurement's resolution.
 */
export async function startServerProcess(options: {
  args: string[];
  env: Record<string, string>;
  logFile: string;
  timeoutMs?: number;
}): Promise<ServerProcess> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const log = openSync(options.logFile, 'a');
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, options.args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env, PORT: String(port) },
    stdio: ['ignore', log, log],
  });
  const exited = once(child, 'exit');
  const logTail = () => readFileSync(options.logFile, 'utf8').slice(-3000);
  const deadline = spawnedAt + (options.timeoutMs ?? 20_000);
  let startupMs: number | undefined;
  while (startupMs === undefined) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${options.args.join(' ')} exited before it was ready:\n${logTail()}`);
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.args.join(' ')} not ready in time:\n${logTail()}`);
    }
    try {
      const response = await request(`${origin}/readyz`, { headersTimeout: 1000, bodyTimeout: 1000 });
      await response.body.text();
      if (response.statusCode === 200) startupMs = performance.now() - spawnedAt;
    } catch {
      // not listening yet
    }
    if (startupMs === undefined) await sleep(5);
  }
  return {
    child,
    pid: child.pid!,
    origin,
    startupMs,
    logTail,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
