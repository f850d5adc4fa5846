import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresAuditStore } from '../../src/audit/postgres/store.js';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import type { AuditStore } from '../../src/core/ports/audit.js';
import type { OutboxItem } from '../../src/core/ports/outbox.js';
import { buildRecord, moved } from '../support/audit-fixtures.js';
import {
  type ContractClock,
  collect,
  expectLinearChain,
  manualClock,
  realClock,
  virtualClock,
  written,
} from './contract-support.js';
import { createTestDatabase, postgresUnavailableReason, type TestDatabase } from './postgres-test-db.js';

/**
 * Databases written by the previous release (493085b; test/fixtures/make-493085b-fixtures.mjs made them),
 * opened by this one: the schema migrates in place and what the old release left in flight can be settled.
 */
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** The SQLite file as that release left it, rebuilt from its `.dump` (a text fixture: no database in git). */
function restoreSqliteFixture(path: string): void {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(readFileSync(fixture('audit-493085b.sqlite.sql'), 'utf8'));
  } finally {
    db.close();
  }
}

const DONE = '01JD8XA0000000000000000001';
const WAITING = '01JD8XA0000000000000000002';
const STUCK = '01JD8XA0000000000000000003';
const STUCK_ORDER = 'RK2026112000103';
const DEAD_INSTANCE = '01JD8XN0000000000000000002';
/** When the old release took the stuck attempt's lock (its caller's time then; now the store's clock's). */
const LOCKED_AT = Date.parse('2026-11-20T01:51:00.000Z');

function upgradeSuite(setup: () => Promise<{ open(): Promise<AuditStore>; clock: ContractClock }>): void {
  it('verifies the old chain, continues it, and lists the old stuck call with its lock, owner gone and no fence', async () => {
    const { open, clock } = await setup();
    const store = await open();
    try {
      const old = await store.verifyChain();
      expect(old).toMatchObject({ ok: true, entries: 13 });
      const head = await store.head();
      expect(head?.seq).toBe(13);
      expect((await store.controlState())?.event).toBe('resumed');
      expect((await store.leases()).map((lease) => [lease.instanceId, lease.live])).toEqual([
        [DEAD_INSTANCE, false],
      ]);

      const before = clock.now();
      const held = await store.heldCalls();
      const after = clock.now();
      expect(held).toHaveLength(1);
      const [call] = held;
      expect(call).toMatchObject({
        orderNo: STUCK_ORDER,
        ownerLive: false,
        acceptUntil: null,
        record: { attemptId: STUCK, state: 'calling', instanceId: DEAD_INSTANCE, orderNo: STUCK_ORDER },
      });
      expect(call!.record).not.toHaveProperty('sendFence');
      expect(call!.heldForMs).toBeGreaterThanOrEqual(before.getTime() - LOCKED_AT);
      expect(call!.heldForMs).toBeLessThanOrEqual(after.getTime() - LOCKED_AT);
      expect(await store.heldLocks()).toMatchObject([
        { orderNo: STUCK_ORDER, attemptId: STUCK, since: new Date(LOCKED_AT).toISOString() },
      ]);

      const entries = await collect(store.entries());
      expectLinearChain(entries);
      const fresh = await written(store, [
        { from: null, record: buildRecord({ orderNo: 'RK2026112000104' }) },
      ]);
      expect(fresh.entries[0]).toMatchObject({ seq: 14, prevHash: head?.hash });
      expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 14 });
    } finally {
      await store.close();
    }
  });

  it('moves the old stuck call to awaiting_verdict despite its old reconcile claim, then settles it after verdictAfter', async () => {
    const { open, clock } = await setup();
    const store = await open();
    try {
      const stuck = (await store.findAttempt(STUCK))!;
      expect(stuck.state).toBe('calling');
      const floor = new Date(clock.now().getTime() + 2_000).toISOString();
      const before = clock.now();
      const result = await written(store, [
        { from: 'calling', record: moved(stuck, 'awaiting_verdict', { verdictAfter: floor }) },
      ]);
      expect(result.records[0]).toMatchObject({ state: 'awaiting_verdict', verdictAfter: floor });
      expect(result.entries[0]!.seq).toBe(14);
      const [held] = await store.heldCalls();
      expect(held).toMatchObject({ orderNo: STUCK_ORDER, record: { state: 'awaiting_verdict' } });
      // The lock is the one the old release took, kept across the move.
      expect(Date.parse(held!.dbNow) - held!.heldForMs).toBe(LOCKED_AT);
      const [idle] = await store.idleAttempts({ states: ['awaiting_verdict'], idleForMs: 0, limit: 10 });
      expect(idle?.record.attemptId).toBe(STUCK);
      // In awaiting_verdict since the write, by the store's clock.
      expect(idle!.inStateForMs).toBeLessThanOrEqual(clock.now().getTime() - before.getTime());

      const notCancelled = moved(result.records[0]!, 'reconciled_not_cancelled', { statusAfter: 20 });
      expect(
        await store.write([{ from: 'awaiting_verdict', record: notCancelled }], new Date()),
      ).toMatchObject({
        ok: false,
        conflict: { kind: 'too_early' },
      });
      await clock.elapse(2_100);
      await written(store, [{ from: 'awaiting_verdict', record: notCancelled }]);
      expect(await store.heldCalls()).toEqual([]);
      expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 15 });
    } finally {
      await store.close();
    }
  });

  it('owes, claims and delivers through the new outbox for an old attempt, and lists an old batch', async () => {
    const { open } = await setup();
    const store = await open();
    try {
      const waiting = (await store.findAttempt(WAITING))!;
      expect(await store.batchAttempts(waiting.batchId)).toEqual([waiting]);
      expect(await store.outboxSummary()).toEqual({ pending: 0, oldestPendingMs: null, givenUp: 0 });
      const denied = moved(waiting, 'denied', { detail: 'approval expired' });
      const item: OutboxItem = {
        key: `outcome:${WAITING}:denied`,
        slot: `outcome:${WAITING}`,
        mode: 'post',
        channelId: waiting.channelId,
        attemptIds: [WAITING],
        body: { kind: 'outcome', record: denied },
        withChainHead: true,
      };
      const result = await store.write([{ from: 'confirmed', record: denied }], new Date(), [item]);
      expect(result).toMatchObject({ ok: true, entries: [{ seq: 14 }] });
      const [claimed] = await store.claimDeliveries({ by: 'W1', limit: 10, leaseMs: 60_000 });
      expect(claimed?.item.body).toMatchObject({ chainHead: { seq: 14 } });
      const delivered = {
        kind: 'delivered',
        channelId: 'C0STOCKOPS',
        ts: '1795000000.000100',
        via: 'channel',
      } as const;
      expect(await store.settleDelivery(claimed!.id, 'W1', delivered)).not.toBeNull();
      expect(await store.findAttempt(WAITING)).toMatchObject({
        state: 'denied',
        slackTs: '1795000000.000100',
      });
      expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 15 });
    } finally {
      await store.close();
    }
  });

  it('reads the old confirmation awaiting approval as it was: posted for approval, no approvalRequested', async () => {
    const { open, clock } = await setup();
    const store = await open();
    try {
      const waiting = await store.findAttempt(WAITING);
      const history = await store.orderHistory('RK2026112000102');
      expect(history.map((entry) => entry.event)).toEqual(['requested', 'confirmed', 'notified']);
      expect(waiting).toEqual(history.at(-1)!.record);
      expect(waiting).toMatchObject({
        state: 'confirmed',
        notifiedVia: 'channel',
        slackChannelId: 'C0APPROVALS',
        reason: '错误入库',
      });
      expect(waiting).not.toHaveProperty('approvalRequested');
      // In its state since its last entry: the best the old schema knew.
      const lastEntryAt = Date.parse('2026-11-20T01:46:01.000Z');
      expect(Date.parse(history.at(-1)!.at)).toBe(lastEntryAt);
      const before = clock.now();
      const idle = await store.idleAttempts({ states: ['confirmed'], idleForMs: 0, limit: 10 });
      expect(idle.map((i) => i.record.attemptId)).toEqual([WAITING]);
      expect(idle[0]!.inStateForMs).toBeGreaterThanOrEqual(before.getTime() - lastEntryAt);
      expect(idle[0]!.inStateForMs).toBeLessThanOrEqual(clock.now().getTime() - lastEntryAt);
      expect((await store.findAttempt(DONE))?.state).toBe('cancelled');
    } finally {
      await store.close();
    }
  });
}

describe('a SQLite file of the previous release, opened by this one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-upgrade-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;

  it('migrates once, to version 5, keeping the claims table it no longer writes', async () => {
    const path = join(dir, 'migrate', 'audit.db');
    mkdirSync(join(dir, 'migrate'));
    restoreSqliteFixture(path);
    await openSqliteAuditStore({ path }).close();
    await openSqliteAuditStore({ path }).close();
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual([
        1, 2, 3, 4, 5,
      ]);
      expect(raw.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(0);
      expect(raw.prepare('SELECT count(*) FROM claims').pluck().get()).toBe(4);
      expect(raw.prepare('SELECT count(*) FROM attempts WHERE state_since IS NULL').pluck().get()).toBe(0);
      expect(
        raw
          .prepare('SELECT state_since = updated_at FROM attempts WHERE attempt_id = ?')
          .pluck()
          .get(WAITING),
      ).toBe(1);
    } finally {
      raw.close();
    }
  });

  upgradeSuite(async () => {
    n += 1;
    const path = join(dir, `case-${n}`, 'audit.db');
    mkdirSync(join(dir, `case-${n}`));
    restoreSqliteFixture(path);
    const time = manualClock(new Date('2026-12-10T00:00:00.000Z'));
    return { open: async () => openSqliteAuditStore({ path, now: time.now }), clock: virtualClock(time) };
  });
});

const pgUnavailable = await postgresUnavailableReason();
if (pgUnavailable) {
  console.warn(`${process.env.CI ? 'FAILING' : 'Skipping'} PostgreSQL upgrade tests: ${pgUnavailable}`);
}

describe.skipIf(pgUnavailable !== null && !process.env.CI)(
  'a PostgreSQL database of the previous release, opened by this one',
  () => {
    let db: TestDatabase;
    beforeAll(async () => {
      if (pgUnavailable) throw new Error(`CI requires PostgreSQL: ${pgUnavailable}`);
      db = await createTestDatabase();
    });
    afterAll(async () => {
      await db?.drop();
    });

    /** An empty database, then the previous release's dump loaded into it. */
    const restore = async () => {
      await db.reset();
      const client = await db.connect();
      try {
        await client.query(readFileSync(fixture('audit-493085b.pg.sql'), 'utf8'));
      } finally {
        await client.end();
      }
    };

    it('migrates once, to version 5, keeping the claims table it no longer writes', async () => {
      await restore();
      await (await openPostgresAuditStore({ connectionString: db.url })).close();
      await (await openPostgresAuditStore({ connectionString: db.url })).close();
      const client = await db.connect();
      try {
        const versions = await client.query('SELECT version FROM schema_migrations ORDER BY version');
        expect(versions.rows.map((row) => row.version)).toEqual([1, 2, 3, 4, 5]);
        expect((await client.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n).toBe(0);
        expect((await client.query('SELECT count(*)::int AS n FROM claims')).rows[0].n).toBe(4);
        const since = await client.query('SELECT state_since = updated_at AS same FROM attempts');
        expect(since.rows.map((row) => row.same)).toEqual([true, true, true]);
      } finally {
        await client.end();
      }
    });

    upgradeSuite(async () => {
      await restore();
      return { open: () => openPostgresAuditStore({ connectionString: db.url }), clock: realClock };
    });
  },
);
