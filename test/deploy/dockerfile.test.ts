import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { startScriptArgs } from '../../bench/lib/start-script.js';
import { configSchema } from '../../src/config/config.js';

const repoFile = (path: string) => readFile(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');

/** The instructions of one stage, from its FROM to the next. */
function stages(dockerfile: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const block of dockerfile.split(/^FROM /m).slice(1)) {
    const name = /^\S+ AS (\S+)/.exec(block)?.[1] ?? '';
    found.set(name, block);
  }
  return found;
}

// There is no Docker daemon on these machines: this reads what the image would run, the build-and-run test
// (test/deploy/pruned-runtime.test.ts) runs the same steps without Docker.
describe('Dockerfile', () => {
  it('has no problems the Dockerfile validator knows of', async () => {
    const problems = validate(await repoFile('Dockerfile')).map(
      (d) => `${d.range.start.line + 1}: ${d.message}`,
    );
    expect(problems).toEqual([]);
  });

  it('builds in one stage and runs production dependencies only, as a non-root user, in another', async () => {
    const all = stages(await repoFile('Dockerfile'));
    expect([...all.keys()]).toEqual(['build', 'prod-deps', 'runtime']);
    for (const stage of all.values()) expect(stage).toMatch(/^node:20-bookworm-slim /);
    expect(all.get('build')).toMatch(/apt-get install[^\n]*python3 make g\+\+/);
    expect(all.get('build')).toContain('RUN npm run build');
    expect(all.get('prod-deps')).toContain('npm ci --omit=dev');
    const runtime = all.get('runtime')!;
    expect(runtime).not.toMatch(/g\+\+|python3|npm ci(?! --omit=dev)/);
    expect(runtime).toContain('COPY --from=prod-deps /app/node_modules ./node_modules');
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime.indexOf('USER node')).toBeGreaterThan(runtime.indexOf('chown node:node /data'));
  });

  it('keeps the audit file on a /data volume, checks /healthz with node, and stops on SIGTERM', async () => {
    const runtime = stages(await repoFile('Dockerfile')).get('runtime')!;
    expect(runtime).toContain('AUDIT_DB_PATH=/data/audit.db');
    expect(runtime).toMatch(/^VOLUME \["\/data"\]$/m);
    expect(runtime).toMatch(/^HEALTHCHECK [^\n]*\\\n\s+CMD \["node", "-e", "[^\n]*\/healthz/m);
    expect(runtime).toMatch(/^STOPSIGNAL SIGTERM$/m);
  });

  it('starts the bot exactly as npm start does, without npm in between', async () => {
    const runtime = stages(await repoFile('Dockerfile')).get('runtime')!;
    const cmd = /^CMD (\[.*\])$/m.exec(runtime)?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...(await startScriptArgs())]);
  });
});

describe('compose.yaml', () => {
  it('starts the bot on a healthy PostgreSQL 16 with a named volume and a stop grace past SHUTDOWN_GRACE_MS', async () => {
    const compose = await repoFile('compose.yaml');
    expect(compose).toMatch(/image: postgres:16/);
    expect(compose).toMatch(/healthcheck:\n\s+test: \["CMD-SHELL", "pg_isready/);
    expect(compose).toMatch(/- pgdata:\/var\/lib\/postgresql\/data/);
    expect(compose).toMatch(/^volumes:\n {2}pgdata:/m);
    expect(compose).toMatch(/depends_on:\n\s+postgres:\n\s+condition: service_healthy/);
    const grace = Number(/^ {4}stop_grace_period: (\d+)s$/m.exec(compose)?.[1]) * 1000;
    const shutdownGrace = Number(/SHUTDOWN_GRACE_MS: "(\d+)"/.exec(compose)?.[1]);
    expect(shutdownGrace).toBeGreaterThan(0);
    expect(grace).toBeGreaterThan(shutdownGrace);
    expect(compose).toMatch(/^ {2}# {3}deploy:\n {2}# {5}replicas: 2$/m);
  });

  it('sets only variables the bot knows', async () => {
    const compose = await repoFile('compose.yaml');
    const known = new Set(Object.keys(configSchema.shape));
    const bot = compose.slice(compose.indexOf('\n  bot:'), compose.indexOf('\n  # Two replicas'));
    const set = [...bot.matchAll(/^ {6}([A-Z_]+):/gm)].map((m) => m[1]!);
    expect(set.length).toBeGreaterThan(0);
    for (const name of set) expect(known, name).toContain(name);
  });
});

describe('.dockerignore', () => {
  it('keeps secrets, local data and build output out of the build context', async () => {
    const ignored = (await repoFile('.dockerignore')).split('\n');
    for (const entry of ['.env', 'node_modules', 'dist', 'data', '*.db', '.git'])
      expect(ignored).toContain(entry);
  });
});
