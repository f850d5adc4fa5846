import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv, promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/config.js';
import { startSlackStandin } from '../../src/local/slack-standin/web-api.js';
import { startWdtSandbox } from '../../src/local/wdt-standin/server.js';
import { spawnBot } from '../support/spawn-bot.js';

const run = promisify(execFile);
const repoFile = (path: string) => readFile(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');
const CLI = fileURLToPath(new URL('../../dist/src/audit/cli.js', import.meta.url));
/** As root (these machines), the bot runs as `nobody`, whom a read-only folder stops as it stops `node`. */
const UNPRIVILEGED = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

/** What the runtime stage says about where the audit file goes. */
async function runtimeStage() {
  const dockerfile = await repoFile('Dockerfile');
  const runtime = dockerfile.slice(dockerfile.indexOf(' AS runtime'));
  const workdir = /^WORKDIR (\S+)$/m.exec(runtime)?.[1];
  const volume = /^VOLUME \["([^"]+)"\]$/m.exec(runtime)?.[1];
  const auditDbPath = /\bAUDIT_DB_PATH=(\S+)/.exec(runtime)?.[1];
  const link = /\bln -s (\S+) (\S+)/.exec(runtime);
  return { workdir, volume, auditDbPath, linkTarget: link?.[1], linkPath: link?.[2] };
}

let wdt: Awaited<ReturnType<typeof startWdtSandbox>>;
let slack: Awaited<ReturnType<typeof startSlackStandin>>;
const dirs: string[] = [];
beforeAll(async () => {
  wdt = await startWdtSandbox({ port: 0 });
  slack = await startSlackStandin({ port: 0 });
});
afterAll(async () => {
  await slack.close();
  await wdt.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** `/app` as the image has it: read-only for the bot, holding `data` → the volume when `linked`. */
async function imageLayout(linked: boolean): Promise<{ app: string; volume: string }> {
  const root = await mkdtemp(join(tmpdir(), 'cancel-stockin-image-'));
  dirs.push(root);
  const app = join(root, 'app');
  const volume = join(root, 'volume');
  await mkdir(app);
  await mkdir(volume);
  if (UNPRIVILEGED.uid !== undefined) await chown(volume, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
  if (linked) await symlink(volume, join(app, 'data'));
  await chmod(app, 0o555);
  await chmod(root, 0o755);
  return { app, volume };
}

/** `docker run --env-file .env` with .env copied from the example: every line, empty ones included. */
async function envFromExample(): Promise<Record<string, string>> {
  return {
    ...parseEnv(await repoFile('.env.example')),
    NODE_ENV: 'production',
    SLACK_API_URL: slack.apiUrl,
    WDT_BASE_URL: wdt.url,
    HOST: '127.0.0.1',
    PORT: '0',
  };
}

/** The bot as the image's CMD starts it, as the image's user, in `/app`. */
async function startInImage(app: string) {
  const env = await envFromExample();
  const bot = await spawnBot(env, { compiled: true, cwd: app, timeoutMs: 30_000, ...UNPRIVILEGED });
  const ready = await fetch(`http://127.0.0.1:${bot.port}/readyz`);
  return { bot, env, ready: { status: ready.status, body: JSON.stringify(await ready.json()) } };
}

describe('the Docker image and a .env made from the example', () => {
  it('puts the default ./data/audit.db, the image AUDIT_DB_PATH and the volume in one folder', async () => {
    const stage = await runtimeStage();
    const schemaDefault = configSchema.shape.AUDIT_DB_PATH.parse(undefined);
    expect(stage.volume).toBeDefined();
    expect(posix.dirname(stage.auditDbPath ?? '')).toBe(stage.volume);
    expect(stage.linkTarget).toBe(stage.volume);
    expect(stage.linkPath).toBe(posix.dirname(posix.resolve(stage.workdir ?? '/', schemaDefault)));
  });

  it('becomes ready with its database on the volume, in a working directory it cannot write', async () => {
    const { app, volume } = await imageLayout(true);
    const { bot, env, ready } = await startInImage(app);
    try {
      expect(ready).toMatchObject({ status: 200 });
      expect(existsSync(join(volume, 'audit.db'))).toBe(true);
      // `docker exec <container> node dist/src/audit/cli.js verify`: same user, folder and environment.
      const verify = await run(process.execPath, [CLI, 'verify'], {
        cwd: app,
        env: { PATH: process.env.PATH ?? '', ...env },
        ...UNPRIVILEGED,
      });
      expect(verify.stdout).toContain(`OK: audit chain intact (SQLite ${join(app, 'data', 'audit.db')})`);
    } finally {
      bot.child.kill('SIGTERM');
      await bot.exited;
    }
  }, 60_000);

  it('without the link, stays unready: the folder cannot be created (what the link fixes)', async () => {
    const { app } = await imageLayout(false);
    const { bot, ready } = await startInImage(app);
    try {
      expect(ready.status).toBe(503);
      expect(ready.body).toMatch(/"audit":"unavailable: EACCES/);
    } finally {
      bot.child.kill('SIGTERM');
      await bot.exited;
    }
  }, 60_000);
});
