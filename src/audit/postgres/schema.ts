import type { Pool, PoolClient } from 'pg';
import type { Logger } from '../../logger.js';
import { inTransaction } from './session.js';

/** Advisory lock key (an arbitrary constant, unique to this app) that one replica's migration holds. */
export const MIGRATION_LOCK_KEY = '7350412902';

const APPEND_ONLY_FUNCTION_BODY = `
BEGIN
  RAISE EXCEPTION 'audit_entries is append-only (% refused)', TG_OP;
END
`;
const APPEND_ONLY_FUNCTION = `CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger
  LANGUAGE plpgsql AS $$${APPEND_ONLY_FUNCTION_BODY}$$`;

/** tgtype bits: ROW 1, BEFORE 2, DELETE 8, UPDATE 16, TRUNCATE 32; checked at open with the function. */
const APPEND_ONLY_TRIGGERS = {
  audit_entries_no_update_delete: {
    tgtype: 1 + 2 + 8 + 16,
    sql: `CREATE TRIGGER audit_entries_no_update_delete
      BEFORE UPDATE OR DELETE ON audit_entries FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()`,
  },
  audit_entries_no_truncate: {
    tgtype: 2 + 32,
    sql: `CREATE TRIGGER audit_entries_no_truncate
      BEFORE TRUNCATE ON audit_entries FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()`,
  },
} as const;

const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'audit trail, attempts projection, claims, order locks',
    sql: `
      CREATE TABLE audit_entries (
        seq BIGINT PRIMARY KEY CHECK (seq > 0),
        entry_id TEXT NOT NULL UNIQUE,
        attempt_id TEXT NOT NULL,
        order_no TEXT,
        event TEXT NOT NULL,
        -- The exact ISO-8601 text that was hashed; "C" collation so text order is time order.
        at TEXT COLLATE "C" NOT NULL,
        -- Canonical JSON, kept as text so verification re-hashes the very bytes that were hashed.
        record_json TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_entries_order_no ON audit_entries (order_no, seq);
      ${APPEND_ONLY_FUNCTION};
      ${APPEND_ONLY_TRIGGERS.audit_entries_no_update_delete.sql};
      ${APPEND_ONLY_TRIGGERS.audit_entries_no_truncate.sql};
      -- ALWAYS: session_replication_role = replica must not switch the guard off either.
      ALTER TABLE audit_entries ENABLE ALWAYS TRIGGER audit_entries_no_update_delete;
      ALTER TABLE audit_entries ENABLE ALWAYS TRIGGER audit_entries_no_truncate;
      CREATE TABLE attempts (
        attempt_id TEXT PRIMARY KEY,
        batch_id TEXT NOT NULL,
        state TEXT NOT NULL,
        order_no TEXT,
        requester_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        last_seq BIGINT NOT NULL REFERENCES audit_entries (seq),
        record_json TEXT NOT NULL
      );
      CREATE INDEX attempts_state ON attempts (state, last_seq);
      CREATE INDEX attempts_requester_id ON attempts (requester_id, last_seq);
      CREATE TABLE claims (
        key TEXT PRIMARY KEY,
        at TIMESTAMPTZ NOT NULL
      );
      CREATE TABLE order_locks (
        order_no TEXT PRIMARY KEY,
        attempt_id TEXT NOT NULL REFERENCES attempts (attempt_id) DEFERRABLE INITIALLY DEFERRED,
        requester_id TEXT NOT NULL,
        acquired_at TIMESTAMPTZ NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'instance leases',
    // Times from the server's clock (now()), so that replicas whose clocks differ agree on who is live.
    sql: `
      CREATE TABLE instance_leases (
        instance_id TEXT PRIMARY KEY,
        started_at TIMESTAMPTZ NOT NULL,
        renewed_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'operator controls: index of paused / resumed entries',
    sql: `CREATE INDEX audit_entries_control ON audit_entries (seq) WHERE event IN ('paused', 'resumed');`,
  },
  {
    version: 4,
    name: 'send fences, time in state, held calls',
    // Times from the server's clock. Existing attempts have been in their state since their last entry, the
    // best the old schema knew. The default serves a replica of the previous release still writing during a
    // rolling upgrade; this release always sets the column. The claims table stays; nothing writes it any more.
    sql: `
      CREATE TABLE call_fences (
        attempt_id TEXT PRIMARY KEY REFERENCES attempts (attempt_id),
        accept_until TIMESTAMPTZ NOT NULL,
        fenced_at TIMESTAMPTZ NOT NULL,
        fences INTEGER NOT NULL CHECK (fences > 0)
      );
      ALTER TABLE attempts ADD COLUMN state_since TIMESTAMPTZ;
      UPDATE attempts SET state_since = updated_at;
      ALTER TABLE attempts ALTER COLUMN state_since SET DEFAULT now(), ALTER COLUMN state_since SET NOT NULL;
      CREATE INDEX attempts_state_since ON attempts (state, state_since);
    `,
  },
  {
    version: 5,
    name: 'outbox of owed Slack messages, attempts by batch',
    // Times from the server's clock. `attempt_ids` and `body` are JSON text (not hashed). (state, id) serves
    // the claim's read of every pending row, the summary's counts and the listings by state; (slot, state,
    // id) a slot's rows in one state, as the slot's message (its first delivered row), which must not cost a
    // walk over every message ever delivered.
    sql: `
      CREATE TABLE outbox (
        id BIGSERIAL PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        slot TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('post', 'edit', 'call')),
        channel_id TEXT,
        thread_ts TEXT,
        attempt_ids TEXT NOT NULL,
        body TEXT NOT NULL,
        with_chain_head BOOLEAN NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'superseded', 'given_up')),
        tries INTEGER NOT NULL CHECK (tries >= 0),
        owed_at TIMESTAMPTZ NOT NULL,
        next_try_at TIMESTAMPTZ NOT NULL,
        claimed_by TEXT,
        claimed_until TIMESTAMPTZ,
        last_error TEXT,
        delivered_channel TEXT,
        delivered_ts TEXT,
        settled_at TIMESTAMPTZ
      );
      CREATE INDEX outbox_slot ON outbox (slot, state, id);
      CREATE INDEX outbox_state ON outbox (state, id);
      CREATE INDEX attempts_batch_id ON attempts (batch_id, attempt_id);
    `,
  },
];

export async function migrate(pool: Pool, logger: Logger): Promise<void> {
  await inTransaction(pool, async (client) => {
    // Whatever the role's defaults say: a migration finishes, and waits for another replica's as long as it takes.
    await client.query('SET LOCAL lock_timeout = 0; SET LOCAL statement_timeout = 0');
    // Two replicas starting together: the second waits here, then finds the work done.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    // DDL only when something is missing, so a role with just SELECT/INSERT can start on a migrated database.
    const { rows: found } = await client.query<{ present: boolean }>(
      "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
    );
    if (!found[0]?.present) {
      await client.query(`CREATE TABLE schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    }
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      logger.info({ version: migration.version, name: migration.name }, 'audit schema migration applied');
    }
    await ensureAppendOnlyTriggers(client, logger);
  });
}

/** A missing, disabled or rewritten guard on an existing database means someone changed it by hand. */
async function ensureAppendOnlyTriggers(client: PoolClient, logger: Logger): Promise<void> {
  const { rows: fn } = await client.query<{ prosrc: string }>(
    "SELECT prosrc FROM pg_proc WHERE oid = to_regproc('audit_entries_append_only')",
  );
  if (fn[0]?.prosrc !== APPEND_ONLY_FUNCTION_BODY) {
    await client.query(APPEND_ONLY_FUNCTION);
    logger.warn(
      'audit append-only trigger function was missing or altered and has been restored; run `audit verify`',
    );
  }
  const { rows } = await client.query<{
    tgname: string;
    tgenabled: string;
    tgtype: number;
    guarded: boolean;
  }>(
    `SELECT tgname, tgenabled, tgtype, tgfoid = to_regproc('audit_entries_append_only')::oid AS guarded
     FROM pg_trigger WHERE tgrelid = 'audit_entries'::regclass AND NOT tgisinternal`,
  );
  const present = new Map(rows.map((row) => [row.tgname, row]));
  for (const [name, expected] of Object.entries(APPEND_ONLY_TRIGGERS)) {
    const found = present.get(name);
    if (found?.tgenabled === 'A' && found.tgtype === expected.tgtype && found.guarded) continue;
    if (found === undefined || found.tgtype !== expected.tgtype || !found.guarded) {
      if (found) await client.query(`DROP TRIGGER ${name} ON audit_entries`);
      await client.query(expected.sql);
      logger.warn(
        { trigger: name },
        `audit append-only trigger was ${found ? 'altered' : 'missing'} and has been restored; run \`audit verify\``,
      );
    } else if (found.tgenabled === 'D') {
      logger.warn(
        { trigger: name },
        'audit append-only trigger was disabled and has been re-enabled; run `audit verify`',
      );
    }
    await client.query(`ALTER TABLE audit_entries ENABLE ALWAYS TRIGGER ${name}`);
  }
}
