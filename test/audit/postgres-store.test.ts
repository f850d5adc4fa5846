import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresAuditStore } from '../../src/audit/postgres-store.js';
import { buildRecord } from '../support/audit-fixtures.js';
import { createTestDatabase, postgresUnavailableReason, type TestDatabase } from './postgres-test-db.js';
import { auditStoreContract, expectNothingKeptWhenTheCallingEntryFails } from './store-contract.js';

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
  }));

  it('applies migrations once when two replicas start together', async () => {
    await db.reset();
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => openPostgresAuditStore({ connectionString: db.url, poolMax: 2 })),
    );
    await stores[0]!.append('requested', buildRecord(), new Date());
    const client = await db.connect();
    const { rows } = await client.query('SELECT version FROM schema_migrations');
    await client.end();
    await Promise.all(stores.map((store) => store.close()));

    expect(rows).toEqual([{ version: 1 }]);
  });

  it('confirmAndBeginCall is all or nothing: when the calling entry cannot be written, the claim is not kept', async () => {
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

  it('refuses UPDATE, DELETE and TRUNCATE of audit entries at the database level', async () => {
    await db.reset();
    const store = await openPostgresAuditStore({ connectionString: db.url });
    await store.append('requested', buildRecord(), new Date());
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
