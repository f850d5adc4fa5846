import type Database from 'better-sqlite3';
import type { Logger } from '../../logger.js';

/** Written exactly as SQLite keeps them in sqlite_master.sql, so a rewritten trigger is noticed at open. */
const APPEND_ONLY_TRIGGERS = {
  audit_entries_no_update:
    "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END",
  audit_entries_no_delete:
    "CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END",
} as const;

const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'audit trail, attempts projection, claims, order locks',
    sql: `
      CREATE TABLE audit_entries (
        seq INTEGER PRIMARY KEY CHECK (seq > 0),
        entry_id TEXT NOT NULL UNIQUE,
        attempt_id TEXT NOT NULL,
        order_no TEXT,
        event TEXT NOT NULL,
        at TEXT NOT NULL,
        record_json TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_entries_order_no ON audit_entries (order_no, seq);
      ${APPEND_ONLY_TRIGGERS.audit_entries_no_update};
      ${APPEND_ONLY_TRIGGERS.audit_entries_no_delete};
      CREATE TABLE attempts (
        attempt_id TEXT PRIMARY KEY,
        batch_id TEXT NOT NULL,
        state TEXT NOT NULL,
        order_no TEXT,
        requester_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        last_seq INTEGER NOT NULL REFERENCES audit_entries (seq),
        record_json TEXT NOT NULL
      ) STRICT;
      CREATE INDEX attempts_state ON attempts (state, last_seq);
      CREATE INDEX attempts_requester_id ON attempts (requester_id, last_seq);
      CREATE TABLE claims (
        key TEXT PRIMARY KEY,
        at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE order_locks (
        order_no TEXT PRIMARY KEY,
        attempt_id TEXT NOT NULL REFERENCES attempts (attempt_id) DEFERRABLE INITIALLY DEFERRED,
        requester_id TEXT NOT NULL,
        acquired_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'instance leases',
    // Times are ISO-8601 UTC text from one host's clock (every process on a SQLite file shares it).
    sql: `
      CREATE TABLE instance_leases (
        instance_id TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        renewed_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'operator controls: index of paused / resumed entries',
    sql: `
      CREATE INDEX audit_entries_control ON audit_entries (seq) WHERE event IN ('paused', 'resumed');
    `,
  },
  {
    version: 4,
    name: 'send fences, time in state, held calls',
    // Times are the store's clock (this host's, or the one a test gives), as ISO-8601 UTC text. Existing
    // attempts have been in their state since their last entry, the best the old schema knew. `state_since`
    // stays nullable (SQLite cannot add a NOT NULL column without a constant default); every write sets it.
    // The claims table stays for the record; nothing writes it any more.
    sql: `
      CREATE TABLE call_fences (
        attempt_id TEXT PRIMARY KEY REFERENCES attempts (attempt_id),
        accept_until TEXT NOT NULL,
        fenced_at TEXT NOT NULL,
        fences INTEGER NOT NULL CHECK (fences > 0)
      ) STRICT;
      ALTER TABLE attempts ADD COLUMN state_since TEXT;
      UPDATE attempts SET state_since = updated_at;
      CREATE INDEX attempts_state_since ON attempts (state, state_since);
    `,
  },
  {
    version: 5,
    name: 'outbox of owed Slack messages, attempts by batch',
    // Times are the store's clock, as ISO-8601 UTC text. `attempt_ids` and `body` are JSON text (not hashed).
    // (state, id) serves the claim's read of every pending row, the summary's counts and the listings by
    // state; (slot, state, id) a slot's rows in one state, as the slot's message (its first delivered row),
    // which must not cost a walk over every message ever delivered.
    sql: `
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        slot TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('post', 'edit', 'call')),
        channel_id TEXT,
        thread_ts TEXT,
        attempt_ids TEXT NOT NULL CHECK (json_valid(attempt_ids)),
        body TEXT NOT NULL CHECK (json_valid(body)),
        with_chain_head INTEGER NOT NULL CHECK (with_chain_head IN (0, 1)),
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'superseded', 'given_up')),
        tries INTEGER NOT NULL CHECK (tries >= 0),
        owed_at TEXT NOT NULL,
        next_try_at TEXT NOT NULL,
        claimed_by TEXT,
        claimed_until TEXT,
        last_error TEXT,
        delivered_channel TEXT,
        delivered_ts TEXT,
        settled_at TEXT
      ) STRICT;
      CREATE INDEX outbox_slot ON outbox (slot, state, id);
      CREATE INDEX outbox_state ON outbox (state, id);
      CREATE INDEX attempts_batch_id ON attempts (batch_id, attempt_id);
    `,
  },
];

function applyMigrations(db: Database.Database, logger: Logger): void {
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`);
    const applied = new Set(
      db
        .prepare<[], { version: number }>('SELECT version FROM schema_migrations')
        .all()
        .map((row) => row.version),
    );
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
      logger.info({ version: migration.version, name: migration.name }, 'audit schema migration applied');
    }
  }).immediate();
}

/** A missing or rewritten trigger on an existing database means someone changed it by hand: restore, say so. */
function ensureAppendOnlyTriggers(db: Database.Database, logger: Logger): void {
  db.transaction(() => {
    const present = new Map(
      db
        .prepare<[], { name: string; sql: string }>(
          "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'",
        )
        .all()
        .map((row) => [row.name, row.sql]),
    );
    for (const [name, sql] of Object.entries(APPEND_ONLY_TRIGGERS)) {
      const found = present.get(name);
      if (found === sql) continue;
      if (found !== undefined) db.exec(`DROP TRIGGER ${name}`);
      db.exec(sql);
      logger.warn(
        { trigger: name },
        `audit append-only trigger was ${found === undefined ? 'missing' : 'altered'} and has been restored; run \`audit verify\``,
      );
    }
  }).immediate();
}

/** Brings the file's schema up to date and its append-only guard back to what it must be. */
export function migrate(db: Database.Database, logger: Logger): void {
  applyMigrations(db, logger);
  ensureAppendOnlyTriggers(db, logger);
}
