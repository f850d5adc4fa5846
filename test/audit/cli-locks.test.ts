import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAuditCli } from '../../src/audit/cli.js';
import { openPostgresAuditStore } from '../../src/audit/postgres/store.js';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import type { AttemptRecord, AuditStore } from '../../src/core/ports/audit.js';
import { buildRecord, writeHistory } from '../support/audit-fixtures.js';
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

/** When each lock was taken, by the store's clock: set before the write (SQLite), or after it (PostgreSQL). */
interface LockTimes {
  before(time: Date): void;
  after(orderNo: string, time: Date): Promise<void>;
}

/** Two held locks (one by a live process, one by a dead one), one from before leases, one released. */
async function seed(store: AuditStore, times: LockTimes): Promise<void> {
  await store.renewLease('01LIVEINSTANCE', 60 * 60_000);
  const lock = async (record: AttemptRecord, minutes: number) => {
    times.before(minutesAgo(minutes));
    await writeHistory(store, [
      record,
      ...(['confirmed', 'calling'] as const).map((state) => ({ ...record, state })),
    ]);
    await times.after(record.orderNo!, minutesAgo(minutes));
  };
  await lock(
    buildRecord({ orderNo: 'RK2024050100101', requesterId: 'U0ALICE', instanceId: '01LIVEINSTANCE' }),
    1,
  );
  await lock(
    buildRecord({
      orderNo: 'RK2024050100102',
      requesterId: 'U0BOB',
      attemptId: '01DEADATTEMPT',
      instanceId: '01DEADINSTANCE',
    }),
    62,
  );
  await lock(buildRecord({ orderNo: 'RK2024050100103', requesterId: 'U0CAROL' }), 3);
  const done = buildRecord({ orderNo: 'RK2024050100104' });
  await lock(done, 2);
  await store.write([{ from: 'calling', record: { ...done, state: 'cancelled' } }], minutesAgo(2));
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
    let now = NOW;
    const store = openSqliteAuditStore({ path, now: () => now });
    const empty = await cli(['locks', '--db', path]);
    expect(empty).toEqual({ code: 0, out: 'no order locks are held\n', err: '' });
    await seed(store, {
      before: (time) => {
        now = time;
      },
      after: async () => {},
    });
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
      const client = await database.connect();
      try {
        // The server's clock cannot be set: the locks are dated back by hand, as if taken that long ago.
        await seed(store, {
          before: () => {},
          after: async (orderNo, time) => {
            await client.query('UPDATE order_locks SET acquired_at = $2 WHERE order_no = $1', [
              orderNo,
              time,
            ]);
          },
        });
      } finally {
        await client.end();
      }
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
