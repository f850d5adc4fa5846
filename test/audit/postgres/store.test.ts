import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATION_LOCK_KEY } from '../../../src/audit/postgres/schema.js';
import {
  CHAIN_LOCK_KEY,
  OUTBOX_LOCK_KEY,
  openPostgresAuditStore,
} from '../../../src/audit/postgres/store.js';
import type { AuditStore } from '../../../src/core/ports/audit.js';
import { buildRecord } from '../../support/audit-fixtures.js';
import { startTcpProxy } from '../../support/tcp-proxy.js';
import { expectNothingKeptWhenTheCallingEntryFails, realClock, written } from '../contract-support.js';
import { createTestDatabase, postgresUnavailableReason, type TestDatabase } from '../postgres-test-db.js';
import { auditStoreContract } from '../store-contract.js';

/** A new attempt `attemptId`, written now. */
const newAttempt = (store: AuditStore, attemptId?: string) =>
  written(store, [{ from: null, record: buildRecord(attemptId ? { attemptId } : {}) }], new Date());

const unavailable = await postgresUnavailableReason();
if (unavailable) {
  console.warn(`${process.env.CI ? 'FAILING' : 'Skipping'} PostgreSQL audit store tests: ${unavailable}`);
}

describe.skipIf(unavailable !== null && !process.env.CI)('PostgreSQL audit store', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    if (unavailable) throw new Error(`CI requires PostgreSQL: ${unavailable}`);
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  auditStoreContract(() => ({
    async fresh() {
      await db.reset();
      return openPostgresAuditStore({ connectionString: db.url });
    },
    async another() {
      return openPostgresAuditStore({ connectionString: db.url });
    },
    clock: realClock,
  }));

  it('applies migrations once when two replicas start together', async () => {
    await db.reset();
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => openPostgresAuditStore({ connectionString: db.url, poolMax: 2 })),
    );
    await newAttempt(stores[0]!);
    const client = await db.connect();
    const { rows } = await client.query('SELECT version FROM schema_migrations ORDER BY version');
    const plan = await client.query(
      "EXPLAIN SELECT * FROM audit_entries WHERE event IN ('paused', 'resumed') ORDER BY seq DESC LIMIT 1",
    );
    // On a table this small the planner prefers a scan; barred from it, it shows the index idleAttempts needs.
    await client.query('SET enable_seqscan = off');
    const idle = await client.query(
      "EXPLAIN SELECT record_json FROM attempts WHERE state = ANY ('{confirmed,approved}') AND state_since <= now() ORDER BY state_since LIMIT 5",
    );
    const batch = await client.query(
      'EXPLAIN SELECT record_json FROM attempts WHERE batch_id = \'b\' ORDER BY attempt_id COLLATE "C"',
    );
    // An outbox that has delivered for a while: 5,000 messages in 500 slots, one in fifty still pending.
    await client.query('SET enable_seqscan = on');
    await client.query(`INSERT INTO outbox (key, slot, mode, attempt_ids, body, with_chain_head, state, tries,
        owed_at, next_try_at, delivered_ts)
      SELECT 'k' || n, 'slot-' || (n % 500), 'edit', '[]', '{}', false,
        CASE WHEN n % 50 = 0 THEN 'pending' ELSE 'delivered' END, 1, now(), now(), '1714536000.' || n
      FROM generate_series(1, 5000) AS n`);
    await client.query('ANALYZE outbox');
    const slotMessage = await client.query(
      "EXPLAIN SELECT delivered_ts FROM outbox WHERE slot = 'slot-7' AND state = 'delivered' AND delivered_ts IS NOT NULL ORDER BY id LIMIT 1",
    );
    const pending = await client.query("EXPLAIN SELECT id, slot FROM outbox WHERE state = 'pending'");
    await client.end();
    await Promise.all(stores.map((store) => store.close()));

    expect(rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }, { version: 5 }]);
    // The pause state is read every second by every replica: through its partial index, never a scan.
    expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/audit_entries_control/);
    expect(idle.rows.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/attempts_state_since/);
    // A batch's attempts, a claimed message's slot message and the claim's pending rows: through their indexes.
    const planOf = (result: { rows: Array<Record<string, string>> }) =>
      result.rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(planOf(slotMessage)).toMatch(/outbox_slot/);
    expect(planOf(pending)).toMatch(/outbox_state/);
    expect(planOf(batch)).toMatch(/attempts_batch_id/);
  });

  it('a write is all or nothing: when its calling entry cannot be written, neither entry nor the lock is kept', async () => {
    await db.reset();
    const store = await openPostgresAuditStore({ connectionString: db.url });
    const client = await db.connect();
    try {
      await client.query(`CREATE FUNCTION test_refuse_calling() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'disk refused the calling entry'; END $$`);
      await client.query(`CREATE TRIGGER test_refuse_calling BEFORE INSERT ON audit_entries
        FOR EACH ROW WHEN (NEW.event = 'calling') EXECUTE FUNCTION test_refuse_calling()`);
      await expectNothingKeptWhenTheCallingEntryFails(store, /disk refused/);
    } finally {
      await client.query('DROP TRIGGER IF EXISTS test_refuse_calling ON audit_entries');
      await client.query('DROP FUNCTION IF EXISTS test_refuse_calling()');
      await client.end();
      await store.close();
    }
  });

  it('fails a write stuck behind a session that holds the chain lock, keeps nothing, and writes once it is free', async () => {
    await db.reset();
    const store = await openPostgresAuditStore({ connectionString: db.url, lockTimeoutMs: 300 });
    await newAttempt(store, 'before');
    // What a psql session left open inside a transaction by someone looking at the chain would do.
    const blocker = await db.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK_KEY]);
      const started = performance.now();
      await expect(newAttempt(store, 'blocked')).rejects.toThrow(/lock timeout/);
      expect(performance.now() - started).toBeLessThan(3_000);
      await blocker.query('ROLLBACK');

      await newAttempt(store, 'after');
      await expectIntactChainOf(store, ['before', 'after']);
    } finally {
      await blocker.end();
      await store.close();
    }
  });

  it('claims wait for the outbox lock, writes that owe messages do not, and a claim stuck behind it fails', async () => {
    await db.reset();
    const store = await openPostgresAuditStore({ connectionString: db.url, lockTimeoutMs: 300 });
    const owed = (key: string) => ({
      key,
      slot: key,
      mode: 'post' as const,
      channelId: null,
      attemptIds: [],
      body: { kind: 'batch' as const, batchId: key },
    });
    await store.write([{ from: null, record: buildRecord() }], new Date(), [owed('before')]);
    const [claimed] = await store.claimDeliveries({ by: 'W1', limit: 10, leaseMs: 60_000 });
    const blocker = await db.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT pg_advisory_xact_lock($1)', [OUTBOX_LOCK_KEY]);
      await store.write([{ from: null, record: buildRecord() }], new Date(), [owed('during')]);
      await expect(store.claimDeliveries({ by: 'W2', limit: 10, leaseMs: 60_000 })).rejects.toThrow(
        /lock timeout/,
      );
      await expect(store.confirmClaim(claimed!.id, 'W1', 60_000)).rejects.toThrow(/lock timeout/);
      const retry = { kind: 'retry', retryInMs: 0, error: 'timeout' } as const;
      await expect(store.settleDelivery(claimed!.id, 'W1', retry)).rejects.toThrow(/lock timeout/);
      await blocker.query('ROLLBACK');

      const after = await store.claimDeliveries({ by: 'W2', limit: 10, leaseMs: 60_000 });
      expect(after.map((c) => c.item.key)).toEqual(['during']);
      expect(await store.settleDelivery(claimed!.id, 'W1', retry)).not.toBeNull();
    } finally {
      await blocker.end();
      await store.close();
    }
  });

  it('a writer that stalls while holding the chain lock loses its session, and the lock goes with it', async () => {
    await db.reset();
    let stall = false;
    let n = 0;
    const stalling = await openPostgresAuditStore({
      connectionString: db.url,
      idleInTransactionTimeoutMs: 200,
      // The entry id is made inside the transaction, after the lock: the place where a frozen process would sit.
      ids: () => {
        if (stall) {
          const until = Date.now() + 800;
          while (Date.now() < until) {} // a frozen event loop, for the server an idle transaction
        }
        n += 1;
        return `stalling-${n}`;
      },
    });
    const other = await openPostgresAuditStore({ connectionString: db.url, lockTimeoutMs: 2_000 });
    try {
      stall = true;
      await expect(newAttempt(stalling, 'stalled')).rejects.toThrow(/terminat/i);
      stall = false;

      await newAttempt(other, 'other');
      await newAttempt(stalling, 'recovered');
      await expectIntactChainOf(other, ['other', 'recovered']);
    } finally {
      await stalling.close();
      await other.close();
    }
  });

  it('gives up a connection to a host that went silent mid-use, keeps nothing, and writes through a new one', async () => {
    await db.reset();
    const url = new URL(db.url);
    const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.port = String(proxy.port);
    const store = await openPostgresAuditStore({
      connectionString: url.toString(),
      poolMax: 1,
      queryTimeoutMs: 2_000,
      connectTimeoutMs: 500,
    });
    try {
      await newAttempt(store, 'before');
      proxy.darken();
      const started = performance.now();
      await expect(newAttempt(store, 'lost')).rejects.toThrow(/timeout/i);
      // One timeout, not two: no ROLLBACK queued behind the query that never answered. Two would take
      // 4 s; the bound leaves a whole second either way for a loaded machine.
      expect(performance.now() - started).toBeLessThan(3_000);
      // The pool's only connection was the silent one; without giving it up, this would wait for TCP.
      proxy.light();
      await newAttempt(store, 'after');
      await expectIntactChainOf(store, ['before', 'after']);
    } finally {
      await store.close();
      await proxy.close();
    }
  });

  it('a migration waits for another replica that holds the migration lock longer than the write timeouts', async () => {
    await db.reset();
    const first = await openPostgresAuditStore({ connectionString: db.url });
    await first.close();
    const blocker = await db.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const opening = openPostgresAuditStore({ connectionString: db.url, lockTimeoutMs: 100 });
      await new Promise((resolve) => setTimeout(resolve, 400));
      await blocker.query('COMMIT');
      const store = await opening;
      await newAttempt(store);
      await store.close();
    } finally {
      await blocker.end();
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit entries at the database level', async () => {
    await db.reset();
    const store = await openPostgresAuditStore({ connectionString: db.url });
    await newAttempt(store);
    await store.close();

    const client = await db.connect();
    try {
      // replica mode switches ordinary triggers off; the guard is ENABLE ALWAYS, so it still fires.
      await client.query('SET session_replication_role = replica');
      await expect(client.query("UPDATE audit_entries SET event = 'cancelled'")).rejects.toThrow(
        /append-only/,
      );
      await expect(client.query('DELETE FROM audit_entries')).rejects.toThrow(/append-only/);
      await expect(client.query('TRUNCATE audit_entries CASCADE')).rejects.toThrow(/append-only/);
    } finally {
      await client.end();
    }
  });
});

/** The chain verifies and holds exactly these attempts' entries, in this order. */
async function expectIntactChainOf(store: AuditStore, attemptIds: string[]): Promise<void> {
  const kept: string[] = [];
  for await (const entry of store.entries()) kept.push(entry.record.attemptId);
  expect(kept).toEqual(attemptIds);
  expect(await store.verifyChain()).toMatchObject({ ok: true });
}

describe('PostgreSQL audit store against a server that stops answering', () => {
  it('fails the write after the connect timeout instead of hanging on it', async () => {
    // Accepts TCP connections and never says a word: what a wedged or half-dead database host looks like.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      // Without the timeout this never settles, and the test's time limit fails it.
      await expect(
        openPostgresAuditStore({
          connectionString: `postgres://audit@127.0.0.1:${port}/audit`,
          connectTimeoutMs: 300,
        }),
      ).rejects.toThrow(/timeout/i);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
