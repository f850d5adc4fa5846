import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAuditCli } from '../../src/audit/cli.js';
import { openPostgresAuditStore } from '../../src/audit/postgres/store.js';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import type { AuditStore } from '../../src/core/ports/audit.js';
import { buildRecord } from '../support/audit-fixtures.js';
import { captureStream } from './cli-io.js';
import { createTestDatabase, postgresUnavailableReason } from './postgres-test-db.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-cli-locks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = new Date();
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);

async function cli(argv: string[]) {
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await runAuditCli(argv, {
    env: {},
    cwd: dir,
    stdout: stdout.stream,
    stderr: stderr.stream,
    clock: { now: () => NOW },
  });
  return { code, out: stdout.text(), err: stderr.text() };
}

/** Two held locks (one by a live process, one by a dead one), one from before leases, one released. */
async function seed(store: AuditStore): Promise<void> {
  await store.renewLease('01LIVEINSTANCE', 60_000);
  const live = buildRecord({ orderNo: 'RK2024050100101', requesterId: 'U0ALICE', state: 'calling' });
  await store.beginCall({ ...live, instanceId: '01LIVEINSTANCE' }, minutesAgo(1));
  const dead = buildRecord({ orderNo: 'RK2024050100102', requesterId: 'U0BOB', state: 'calling' });
  await store.beginCall(
    { ...dead, attemptId: '01DEADATTEMPT', instanceId: '01DEADINSTANCE' },
    minutesAgo(62),
  );
  const legacy = buildRecord({ orderNo: 'RK2024050100103', requesterId: 'U0CAROL', state: 'calling' });
  await store.beginCall(legacy, minutesAgo(3));
  const done = buildRecord({ orderNo: 'RK2024050100104', state: 'calling' });
  await store.beginCall(done, minutesAgo(2));
  await store.finishCall('cancelled', { ...done, state: 'cancelled' }, minutesAgo(2));
}

function expectTable(out: string): void {
  const lines = out.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^ORDER\s+ATTEMPT\s+STATE\s+HOLDER\s+REQUESTER\s+SINCE\s+AGE$/);
  expect(lines.slice(1, 4).map((line) => line.split(/\s{2,}/))).toEqual([
    [
      'RK2024050100102',
      '01DEADATTEMPT',
      'calling',
      '01DEADINSTANCE (not live)',
      'U0BOB',
      minutesAgo(62).toISOString(),
      '1h02m',
    ],
    [
      'RK2024050100103',
      expect.any(String),
      'calling',
      '(unknown)',
      'U0CAROL',
      minutesAgo(3).toISOString(),
      '3m00s',
    ],
    [
      'RK2024050100101',
      expect.any(String),
      'calling',
      '01LIVEINSTANCE (live)',
      'U0ALICE',
      minutesAgo(1).toISOString(),
      '1m00s',
    ],
  ]);
  expect(lines[4]).toBe('3 held');
}

describe('npm run audit -- locks', () => {
  it('lists the held locks of a SQLite file with holder, liveness, requester and age', async () => {
    const path = join(dir, 'audit.db');
    const store = openSqliteAuditStore({ path });
    const empty = await cli(['locks', '--db', path]);
    expect(empty).toEqual({ code: 0, out: 'no order locks are held\n', err: '' });
    await seed(store);
    await store.close();

    const { code, out, err } = await cli(['locks', '--db', path]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expectTable(out);
  });

  it('refuses arguments it does not take', async () => {
    const { code, err } = await cli(['locks', 'RK2024050100101']);
    expect(code).toBe(2);
    expect(err).toMatch(/unexpected argument "RK2024050100101"/);
  });

  it('lists the held locks of a PostgreSQL database', async () => {
    const unavailable = await postgresUnavailableReason();
    if (unavailable && process.env.CI) throw new Error(`CI requires PostgreSQL: ${unavailable}`);
    if (unavailable) {
      console.warn(`Skipping the PostgreSQL locks listing: ${unavailable}`);
      return;
    }
    const database = await createTestDatabase();
    try {
      const store = await openPostgresAuditStore({ connectionString: database.url });
      await seed(store);
      await store.close();
      const { code, out, err } = await cli(['locks', '--db', database.url]);
      expect(err).toBe('');
      expect(code).toBe(0);
      expectTable(out);
    } finally {
      await database.drop();
    }
  });
});
