import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUnavailableReason } from '../audit/postgres-test-db.js';
import { startProcessStack } from '../support/process-stack.js';
import { spawnBot } from '../support/spawn-bot.js';

/**
 * The built bot, started as `npm start` runs it, on every kind of audit store that cannot be opened. Each
 * case ends in one of two documented behaviours (docs/operations.md, "When the audit store fails"): exit 1
 * for a misconfiguration no retry can mend, or start with /readyz 503 and keep retrying. Either way an
 * `error` line names the variable and the cause, and never a password.
 */
const PASSWORD = 'pg-secret-password-never-logged';
/**
 * From spawning the process to the error line. The bot itself waits at most 2 s after its process started
 * (FIRST_OPEN_DEADLINE_MS); a loaded 2-core machine can take seconds more just to boot node, so the test
 * bound is generous and the order of lines (error before "up") is the sharp check.
 */
const START_BOUND_MS = 10_000;

const postgresDown = await postgresUnavailableReason();
if (postgresDown && process.env.CI)
  throw new Error(`CI needs PostgreSQL for the start-up tests: ${postgresDown}`);
if (postgresDown) console.warn(`Skipping the missing-database start-up test: ${postgresDown}`);

let stack: Awaited<ReturnType<typeof startProcessStack>>;
let dir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  stack = await startProcessStack({}, { compiled: true });
  dir = await mkdtemp(join(tmpdir(), 'cancel-stockin-startup-'));
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
});

const errorLine = (lines: string[]) =>
  lines
    .map((line) => JSON.parse(line) as { level: number; msg: string; time: number })
    .find((l) => l.level === 50);

async function exitsWithError(env: Record<string, string>) {
  const spawnedAt = Date.now();
  const bot = await spawnBot({ ...baseEnv(), ...env }, { compiled: true, awaitUp: false });
  const { code } = await bot.exited;
  const line = errorLine(bot.lines);
  return { code, line, afterMs: line ? line.time - spawnedAt : Number.NaN, lines: bot.lines };
}

async function startsUnready(env: Record<string, string>) {
  const spawnedAt = Date.now();
  const bot = await spawnBot({ ...baseEnv(), ...env }, { compiled: true, timeoutMs: 30_000 });
  cleanups.push(async () => {
    bot.child.kill('SIGKILL');
    await bot.exited;
  });
  const up = bot.lines.findIndex((line) => line.includes('cancel-stockin is up'));
  const errorIndex = bot.lines.findIndex((line) => (JSON.parse(line) as { level: number }).level === 50);
  const response = await fetch(`http://127.0.0.1:${bot.port}/readyz`);
  return {
    status: response.status,
    body: (await response.json()) as { ok: boolean; checks: Record<string, string> },
    line: errorLine(bot.lines),
    errorBeforeUp: errorIndex !== -1 && errorIndex < up,
    afterMs: (errorLine(bot.lines)?.time ?? Number.NaN) - spawnedAt,
    lines: bot.lines,
  };
}

function baseEnv(): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-process-stack-token',
    SLACK_SIGNING_SECRET: 'process-stack-signing-secret',
    SLACK_API_URL: stack.slack.apiUrl,
    WDT_SID: 'sandbox',
    WDT_APP_KEY: 'sandbox',
    WDT_APP_SECRET: 'sandbox:salt',
    WDT_BASE_URL: stack.wdt.url,
    CANCEL_ALLOWED_USERS: 'U0OPERATOR1',
  };
}

/** A TCP listener that accepts and never says a word: a database host that vanished. */
async function silentListener(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function closedPort(): Promise<number> {
  const listener = await silentListener();
  await listener.close();
  return listener.port;
}

describe('start-up when the audit store cannot be opened', () => {
  it('an impossible path (/proc/no-such-dir/audit.db): starts, says why at error level, /readyz 503', async () => {
    const result = await startsUnready({ AUDIT_DB_PATH: '/proc/no-such-dir/audit.db' });
    expect(result.line?.msg).toContain('AUDIT_DB_PATH');
    expect(result.line?.msg).toContain('ENOENT');
    expect(result.errorBeforeUp).toBe(true);
    expect(result.afterMs).toBeLessThan(START_BOUND_MS);
    expect(result.status).toBe(503);
    expect(result.body.checks.audit).toMatch(/^unavailable: ENOENT/);
  }, 40_000);

  it('a folder where the database file should be: exit 1, naming AUDIT_DB_PATH and the folder', async () => {
    const folder = join(dir, 'audit-folder.db');
    await mkdir(folder);
    const result = await exitsWithError({ AUDIT_DB_PATH: folder });
    expect(result.code).toBe(1);
    expect(result.line?.msg).toContain('AUDIT_DB_PATH');
    expect(result.line?.msg).toContain('EISDIR');
    expect(result.afterMs).toBeLessThan(START_BOUND_MS);
  }, 40_000);

  it('a file that is not an SQLite database: exit 1, and the file is left as it was', async () => {
    const file = join(dir, 'notes.db');
    const text = 'these are somebody’s notes, not an audit trail\n'.repeat(50);
    await writeFile(file, text);
    const result = await exitsWithError({ AUDIT_DB_PATH: file });
    expect(result.code).toBe(1);
    expect(result.line?.msg).toMatch(/AUDIT_DB_PATH.*SQLITE_NOTADB: the file is not an SQLite database/);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(file, 'utf8')).toBe(text);
  }, 40_000);

  it('a corrupt SQLite database: exit 1, naming AUDIT_DB_PATH and the corruption', async () => {
    const file = join(dir, 'corrupt.db');
    const db = new Database(file);
    db.exec('CREATE TABLE filler (x TEXT); INSERT INTO filler VALUES (randomblob(20000))');
    db.close();
    const { open } = await import('node:fs/promises');
    const handle = await open(file, 'r+');
    // Page 1 after the header holds the schema: garbage there is what SQLite calls a malformed database.
    await handle.write(Buffer.alloc(3996, 0xa5), 0, 3996, 100);
    await handle.close();
    const result = await exitsWithError({ AUDIT_DB_PATH: file });
    expect(result.code).toBe(1);
    expect(result.line?.msg).toMatch(/AUDIT_DB_PATH.*SQLITE_(CORRUPT|NOTADB)/);
  }, 40_000);

  it('PostgreSQL refusing connections: starts, error names DATABASE_URL (no password), /readyz 503', async () => {
    const url = `postgres://postgres:${PASSWORD}@127.0.0.1:${await closedPort()}/audit`;
    const result = await startsUnready({ DATABASE_URL: url });
    expect(result.line?.msg).toContain('DATABASE_URL');
    expect(result.line?.msg).toContain('ECONNREFUSED');
    expect(result.afterMs).toBeLessThan(START_BOUND_MS);
    expect(result.status).toBe(503);
    expect(result.body.checks.audit).toMatch(/^unavailable: ECONNREFUSED/);
    expect(result.lines.join('\n')).not.toContain(PASSWORD);
  }, 40_000);

  it('PostgreSQL unreachable (a listener that never answers): starts within its bound, /readyz 503', async () => {
    const listener = await silentListener();
    cleanups.push(() => listener.close());
    const url = `postgres://postgres:${PASSWORD}@127.0.0.1:${listener.port}/audit`;
    const result = await startsUnready({ DATABASE_URL: url });
    expect(result.line?.msg).toContain('DATABASE_URL');
    expect(result.line?.msg).toContain('did not open within');
    expect(result.errorBeforeUp).toBe(true);
    expect(result.afterMs).toBeLessThan(START_BOUND_MS);
    expect(result.status).toBe(503);
    expect(result.body.checks.audit).toBe('unavailable: not answering');
    expect(result.lines.join('\n')).not.toContain(PASSWORD);
  }, 40_000);

  it.skipIf(postgresDown !== null)(
    'PostgreSQL answering but the database does not exist: starts, says so naming DATABASE_URL, /readyz 503',
    async () => {
      const url = `postgres://postgres:${PASSWORD}@127.0.0.1:5432/cancel_stockin_no_such_database`;
      const result = await startsUnready({ DATABASE_URL: url });
      expect(result.line?.msg).toContain('DATABASE_URL');
      expect(result.line?.msg).toContain('does not exist');
      expect(result.status).toBe(503);
      expect(result.body.checks.audit).toMatch(/^unavailable: .*does not exist/);
      expect(result.lines.join('\n')).not.toContain(PASSWORD);
    },
    40_000,
  );
});
