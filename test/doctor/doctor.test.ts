import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import { startSlackStandin } from '../../src/local/slack-standin/web-api.js';
import { STANDIN_WORKSPACE } from '../../src/local/slack-standin/workspace-identity.js';
import { SANDBOX_CREDENTIALS, startWdtSandbox } from '../../src/local/wdt-standin/server.js';
import { buildRecord } from '../support/audit-fixtures.js';
import { wdtSandboxEnv } from '../support/sandbox-env.js';

const DOCTOR = fileURLToPath(new URL('../../dist/src/doctor.js', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../.env.example', import.meta.url));
const BOT_TOKEN = 'xoxb-doctor-right-bot-token';
const APP_TOKEN = 'xapp-doctor-right-app-token';
const SIGNING_SECRET = 'doctor-signing-secret-value';

let wdt: Awaited<ReturnType<typeof startWdtSandbox>>;
let slack: Awaited<ReturnType<typeof startSlackStandin>>;
let narrowSlack: Awaited<ReturnType<typeof startSlackStandin>>;
const dirs: string[] = [];
beforeAll(async () => {
  wdt = await startWdtSandbox({ port: 0 });
  slack = await startSlackStandin({ port: 0, tokens: { bot: BOT_TOKEN, app: APP_TOKEN } });
  narrowSlack = await startSlackStandin({ port: 0, scopes: ['chat:write', 'users:read'] });
});
afterAll(async () => {
  await Promise.all([slack.close(), narrowSlack.close(), wdt.close()]);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** An audit file with two entries, as a bot that has run leaves it. */
async function auditFileWithEntries(path: string): Promise<void> {
  const store = openSqliteAuditStore({ path });
  await store.write([{ from: null, record: buildRecord() }], new Date());
  await store.write([{ from: null, record: buildRecord() }], new Date());
  await store.close();
}

async function workDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cancel-stockin-doctor-'));
  dirs.push(dir);
  return dir;
}

/** A configuration that passes every check, against this machine's stand-ins. */
function goodEnv(dir: string): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_APP_TOKEN: APP_TOKEN,
    SLACK_APP_ID: STANDIN_WORKSPACE.appId,
    SLACK_API_URL: slack.apiUrl,
    ...wdtSandboxEnv(wdt.url),
    AUDIT_DB_PATH: join(dir, 'audit.db'),
    AUDIT_CHANNEL_ID: 'C0AUDIT001',
    CANCEL_ALLOWED_USERS: 'U0OPERATOR1',
    CANCEL_ADMINS: 'U0ADMIN0001',
  };
}

interface DoctorRun {
  code: number;
  out: string;
  /** The line of the check called `name`, e.g. `FAIL  Slack token  …`. */
  line(name: string): string;
}

/** `node dist/src/doctor.js`, as production runs it, with `env` only and `cwd` as its working directory. */
function runDoctor(env: Record<string, string>, cwd: string, args: string[] = []): Promise<DoctorRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [DOCTOR, ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const out = stdout + stderr;
        resolve({
          code: error ? Number(error.code ?? 1) : 0,
          out,
          line: (name) => out.split('\n').find((l) => new RegExp(`^[A-Z]{4,5} +${name} `).test(l)) ?? '',
        });
      },
    );
  });
}

const SECRETS = [BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, SANDBOX_CREDENTIALS.appSecret, 'sandbox-salt-77e2'];
const expectNoSecret = (run: DoctorRun) => {
  for (const secret of SECRETS) expect(run.out).not.toContain(secret);
};

describe('npm run doctor (node dist/src/doctor.js)', () => {
  it('passes every check against a working setup, exits 0, and never sends a cancel', async () => {
    const dir = await workDir();
    await auditFileWithEntries(join(dir, 'audit.db'));
    const calls = wdt.calls.length;
    const run = await runDoctor(goodEnv(dir), dir);
    expect(run.code, run.out).toBe(0);
    for (const name of [
      'Configuration',
      'Slack token',
      'Slack app',
      'Slack scopes',
      'Socket Mode',
      'WDT reachable',
      'WDT credentials',
      'WDT IP whitelist',
      'WDT clock',
      'WDT query',
      'Audit store',
      'Audit chain',
      'Who may cancel',
      'Operators',
      'Audit channel',
    ])
      expect(run.line(name), name).toMatch(/^PASS /);
    expect(run.line('Audit chain')).toMatch(/^PASS .*intact: 2 entries, head [0-9a-f]{16}…$/);
    expect(run.line('WDT environment')).toMatch(/^INFO .*neither the vendor's test nor its production host/);
    expect(run.out).toMatch(/^Ready: every check a cancel needs passed\.$/m);
    const methods = wdt.calls.slice(calls).map((call) => call.method);
    expect(methods).toEqual(['system.Core.now', 'wms.stockin.Purchase.queryWithDetail']);
    expectNoSecret(run);
  }, 60_000);

  it('fails on a bot token Slack refuses, says what to copy where, and exits 1', async () => {
    const dir = await workDir();
    const run = await runDoctor({ ...goodEnv(dir), SLACK_BOT_TOKEN: 'xoxb-doctor-wrong-token' }, dir);
    expect(run.code).toBe(1);
    expect(run.line('Slack token')).toMatch(/^FAIL .*invalid_auth.*Bot User OAuth Token.*SLACK_BOT_TOKEN/);
    expect(run.line('Slack scopes')).toMatch(/^SKIP /);
    expect(run.out).toMatch(/^Not ready: 1 check failed/m);
    expect(run.out).not.toContain('xoxb-doctor-wrong-token');
  }, 60_000);

  it('fails on missing scopes, on an app id of another app, and on an app token of another app', async () => {
    const dir = await workDir();
    const narrow = await runDoctor(
      { ...goodEnv(dir), SLACK_API_URL: narrowSlack.apiUrl, SLACK_APP_TOKEN: '', SLACK_APP_ID: 'A0OTHERAPP' },
      dir,
    );
    expect(narrow.code).toBe(1);
    expect(narrow.line('Slack scopes')).toMatch(
      /^FAIL +Slack scopes +missing commands, chat:write.public,.*reinstall/,
    );
    expect(narrow.line('Slack app')).toMatch(
      /^FAIL .*SLACK_APP_ID is A0OTHERAPP but the bot token belongs to app A0STANDIN/,
    );
    expect(narrow.line('HTTP mode')).toMatch(/^INFO .*\/slack\/events/);
    const wrongAppToken = await runDoctor({ ...goodEnv(dir), SLACK_APP_TOKEN: 'xapp-doctor-wrong' }, dir);
    expect(wrongAppToken.line('Socket Mode')).toMatch(/^FAIL .*invalid_auth.*connections:write/);
  }, 60_000);

  it('fails when WDT refuses the credentials, or this host is not on the IP whitelist', async () => {
    const dir = await workDir();
    const badKey = await runDoctor({ ...goodEnv(dir), WDT_APP_KEY: 'not-the-appkey' }, dir);
    expect(badKey.code).toBe(1);
    expect(badKey.line('WDT reachable')).toMatch(/^PASS /);
    expect(badKey.line('WDT credentials')).toMatch(/^FAIL .*status 1.*验证失败.*WDT_APP_KEY/);
    expect(badKey.line('WDT query')).toMatch(/^SKIP /);

    wdt.faults.set({ ipNotWhitelisted: true });
    try {
      const blocked = await runDoctor(goodEnv(dir), dir);
      expect(blocked.code).toBe(1);
      expect(blocked.line('WDT IP whitelist')).toMatch(/^FAIL .*status 6.*whitelist/);
    } finally {
      wdt.faults.reset();
    }
  }, 60_000);

  it('fails when WDT cannot be reached, naming the host and not the sign', async () => {
    const dir = await workDir();
    const run = await runDoctor({ ...goodEnv(dir), WDT_BASE_URL: 'http://127.0.0.1:9/openapi' }, dir);
    expect(run.code).toBe(1);
    expect(run.line('WDT reachable')).toMatch(/^FAIL .*cannot connect to 127\.0\.0\.1:9 .*ECONNREFUSED/);
    expect(run.out).not.toMatch(/sign=/);
  }, 60_000);

  it('fails on an empty allowlist, warns on no operators, and exits 1', async () => {
    const dir = await workDir();
    const run = await runDoctor({ ...goodEnv(dir), CANCEL_ALLOWED_USERS: '', CANCEL_ADMINS: '' }, dir);
    expect(run.code).toBe(1);
    expect(run.line('Who may cancel')).toMatch(/^FAIL .*nobody: set CANCEL_ALLOWED_USERS/);
    expect(run.line('Operators')).toMatch(/^WARN /);
    expect(run.out).toMatch(/^Not ready: 1 check failed/m);
  }, 60_000);

  it('fails on an audit file that is not a database, without writing to it', async () => {
    const dir = await workDir();
    const notADb = join(dir, 'notes.txt');
    await writeFile(notADb, 'not a database at all, and long enough to have a header page\n'.repeat(100));
    const before = await readFile(notADb, 'utf8');
    const run = await runDoctor({ ...goodEnv(dir), AUDIT_DB_PATH: notADb }, dir);
    expect(run.code).toBe(1);
    expect(run.line('Audit store')).toMatch(/^FAIL .*notes\.txt cannot be opened .*AUDIT_DB_PATH/);
    expect(await readFile(notADb, 'utf8')).toBe(before);
  }, 60_000);

  it('fails on an audit chain someone edited, naming the first damaged entry', async () => {
    const dir = await workDir();
    const path = join(dir, 'audit.db');
    await auditFileWithEntries(path);
    const raw = new Database(path);
    raw.exec('DROP TRIGGER audit_entries_no_update');
    raw
      .prepare("UPDATE audit_entries SET record_json = replace(record_json, '供应商', '顾客') WHERE seq = 2")
      .run();
    raw.close();
    const run = await runDoctor(goodEnv(dir), dir);
    expect(run.code).toBe(1);
    expect(run.line('Audit store')).toMatch(/^PASS /);
    expect(run.line('Audit chain')).toMatch(/^FAIL +Audit chain +broken at entry 2 /);
  }, 60_000);

  it('reports each bad variable of the configuration and runs nothing else', async () => {
    const dir = await workDir();
    const run = await runDoctor({ ...goodEnv(dir), SLACK_BOT_TOKEN: '', WDT_TIMEOUT_MS: 'soon' }, dir);
    expect(run.code).toBe(1);
    expect(run.out).toContain('FAIL  Configuration        SLACK_BOT_TOKEN is missing');
    expect(run.out).toMatch(/FAIL {2}Configuration {8}WDT_TIMEOUT_MS /);
    expect(run.out).not.toContain('Slack token');
  }, 60_000);

  it('reads ./.env like the bot: an unmodified example fails on the token, the credentials and the allowlist', async () => {
    const dir = await workDir();
    await copyFile(EXAMPLE, join(dir, '.env'));
    const run = await runDoctor({ SLACK_API_URL: slack.apiUrl, WDT_BASE_URL: wdt.url }, dir);
    expect(run.code).toBe(1);
    expect(run.line('Configuration')).toMatch(
      /^PASS .*read .*\.env .*the environment set SLACK_API_URL, WDT_BASE_URL/,
    );
    expect(run.line('Slack token')).toMatch(/^FAIL .*invalid_auth/);
    expect(run.line('WDT credentials')).toMatch(/^FAIL .*sid is not exists/);
    expect(run.line('Who may cancel')).toMatch(/^FAIL /);
    expect(run.line('Audit store')).toMatch(/^PASS .*does not exist yet; the bot creates it/);
  }, 60_000);

  it('prints its usage with --help (exit 0) and refuses other arguments (exit 2)', async () => {
    const dir = await workDir();
    const help = await runDoctor({}, dir, ['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Exit codes: 0 every check a cancel needs passed, 1 a check failed');
    expect((await runDoctor({}, dir, ['--fix'])).code).toBe(2);
  }, 60_000);
});
