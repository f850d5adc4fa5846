import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/audit/canonical-json.js';
import { runAuditCli } from '../../src/audit/cli.js';
import type { EntryRow } from '../../src/audit/entry-row.js';
import { entryHash } from '../../src/audit/hash-chain.js';
import { openPostgresAuditStore } from '../../src/audit/postgres/store.js';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import type { AuditStore } from '../../src/core/ports/audit.js';
import { createLogger } from '../../src/logger.js';
import { buildRecord, writeHistory } from '../support/audit-fixtures.js';
import { captureStream } from './cli-io.js';
import { createTestDatabase, postgresUnavailableReason, type TestDatabase } from './postgres-test-db.js';

/** Direct access to the entries table with the append-only guard and foreign keys out of the way. */
interface RawEntries {
  rows(): Promise<EntryRow[]>;
  update(seq: number, patch: Partial<EntryRow>): Promise<void>;
  remove(seq: number): Promise<void>;
  insert(row: EntryRow): Promise<void>;
  close(): Promise<void>;
}

interface Backend {
  /** Points the backend at a new, empty database. */
  prepare(): Promise<void>;
  open(): Promise<AuditStore>;
  raw(): Promise<RawEntries>;
  /** What to pass as `--db`. */
  dbArg(): string;
}

const COLUMNS = [
  'seq',
  'entry_id',
  'attempt_id',
  'order_no',
  'event',
  'at',
  'record_json',
  'prev_hash',
  'hash',
];

function assignments(patch: Partial<EntryRow>, placeholder: (i: number) => string) {
  const keys = Object.keys(patch).filter((key) => COLUMNS.includes(key)) as (keyof EntryRow)[];
  return {
    sql: keys.map((key, i) => `${key} = ${placeholder(i)}`).join(', '),
    values: keys.map((key) => patch[key]),
  };
}

/** Seeds six entries over two attempts, then the cases below damage them the ways an insider could. */
async function seed(store: AuditStore): Promise<string> {
  const a = buildRecord({ orderNo: 'RK2024050100007', reason: '供应商重复入库' });
  const b = buildRecord({ orderNo: 'RK2024050100008' });
  const t = (minute: number) => new Date(Date.UTC(2024, 4, 1, 4, minute));
  await store.write([{ from: null, record: a }], t(0));
  await store.write([{ from: null, record: b }], t(1));
  await writeHistory(
    store,
    [
      { ...a, state: 'confirmed' },
      { ...a, state: 'calling' },
      { ...a, state: 'cancelled', wdtOutcome: 'ok', statusAfter: 5 },
    ],
    (index) => t(2 + index),
    'requested',
  );
  const last = await store.annotate(a.attemptId, { notifiedVia: 'channel' }, t(5));
  return last!.hash;
}

interface TamperCase {
  name: string;
  tamper: (raw: RawEntries) => Promise<void>;
  firstBadSeq: number;
  problem: RegExp;
}

const rowAt = async (raw: RawEntries, seq: number) => {
  const row = (await raw.rows()).find((r) => r.seq === seq);
  if (!row) throw new Error(`no row ${seq}`);
  return row;
};

const TAMPER_CASES: TamperCase[] = [
  {
    name: 'an edited record',
    tamper: async (raw) => {
      const row = await rowAt(raw, 3);
      await raw.update(3, { record_json: row.record_json.replace('U0REQUESTER', 'U0SOMEONEELSE') });
    },
    firstBadSeq: 3,
    problem: /hash mismatch.*edited/,
  },
  {
    name: 'an edited record whose hash was recomputed',
    tamper: async (raw) => {
      const row = await rowAt(raw, 3);
      const record_json = row.record_json.replace('U0REQUESTER', 'U0SOMEONEELSE');
      const hash = entryHash(row.prev_hash, {
        seq: 3,
        entryId: row.entry_id,
        event: row.event,
        at: row.at,
        record: JSON.parse(record_json),
        prevHash: row.prev_hash,
      });
      await raw.update(3, { record_json, hash });
    },
    firstBadSeq: 4,
    problem: /prev_hash mismatch/,
  },
  {
    // JSON.parse keeps the last of two equal keys, so the hash still matches; SQLite's json_extract reads the first.
    name: 'a duplicate key slipped into the stored JSON text',
    tamper: async (raw) => {
      const row = await rowAt(raw, 3);
      await raw.update(3, {
        record_json: row.record_json.replace('"reason":"', '"reason":"FORGED","reason":"'),
      });
    },
    firstBadSeq: 3,
    problem: /record_json is not the canonical form/,
  },
  {
    name: 'the stored JSON text re-spelt with the same value (escaped characters)',
    tamper: async (raw) => {
      const row = await rowAt(raw, 1);
      await raw.update(1, { record_json: row.record_json.replace('供应商', '\\u4f9b\\u5e94\\u5546') });
    },
    firstBadSeq: 1,
    problem: /record_json is not the canonical form/,
  },
  {
    name: 'an edited indexed column',
    tamper: (raw) => raw.update(3, { order_no: 'RK2024050100999' }),
    firstBadSeq: 3,
    problem: /order_no disagrees/,
  },
  {
    name: 'a deleted entry',
    tamper: (raw) => raw.remove(3),
    firstBadSeq: 3,
    problem: /seq gap: seq 3 is missing/,
  },
  {
    name: 'two entries whose contents were swapped',
    tamper: async (raw) => {
      const three = await rowAt(raw, 3);
      const four = await rowAt(raw, 4);
      const { seq: _3, ...threeContents } = three;
      const { seq: _4, ...fourContents } = four;
      await raw.update(3, { ...fourContents, entry_id: 'swapping' });
      await raw.update(4, threeContents);
      await raw.update(3, { entry_id: four.entry_id });
    },
    firstBadSeq: 3,
    problem: /prev_hash mismatch/,
  },
  {
    name: 'a forged entry inserted in the middle, correctly hashed',
    tamper: async (raw) => {
      const rows = await raw.rows();
      for (const row of rows.filter((r) => r.seq >= 3).reverse())
        await raw.update(row.seq, { seq: row.seq + 1 });
      const two = await rowAt(raw, 2);
      const record = buildRecord({ orderNo: 'RK2024050100007', state: 'cancelled' });
      const forged = {
        seq: 3,
        entryId: '01FORGEDFORGEDFORGEDFORGED',
        event: 'cancelled',
        at: two.at,
        record,
        prevHash: two.hash,
      };
      await raw.insert({
        seq: 3,
        entry_id: forged.entryId,
        attempt_id: record.attemptId,
        order_no: record.orderNo,
        event: forged.event,
        at: forged.at,
        record_json: canonicalJson(record),
        prev_hash: two.hash,
        hash: entryHash(two.hash, forged),
      });
    },
    firstBadSeq: 4,
    problem: /prev_hash mismatch/,
  },
  {
    name: 'a forged entry appended with a made-up hash',
    tamper: async (raw) => {
      const six = await rowAt(raw, 6);
      await raw.insert({
        ...six,
        seq: 7,
        entry_id: '01FORGEDTAIL',
        prev_hash: six.hash,
        hash: 'f'.repeat(64),
      });
    },
    firstBadSeq: 7,
    problem: /hash mismatch/,
  },
];

function tamperSuite(backend: () => Backend): void {
  let headHash = '';

  beforeEach(async () => {
    await backend().prepare();
    const store = await backend().open();
    headHash = await seed(store);
    await store.close();
  });

  const cliVerify = async (...extra: string[]) => {
    const stdout = captureStream();
    const stderr = captureStream();
    const code = await runAuditCli(['verify', '--db', backend().dbArg(), ...extra], {
      env: {},
      stdout: stdout.stream,
      stderr: stderr.stream,
    });
    return { code, out: stdout.text(), err: stderr.text() };
  };

  it('an intact chain verifies: verifyChain ok and `verify` exits 0 printing count and head hash', async () => {
    const store = await backend().open();
    expect(await store.verifyChain()).toEqual({ ok: true, entries: 6, headHash });
    await store.close();

    const result = await cliVerify();
    expect(result.code).toBe(0);
    expect(result.out).toContain('entries: 6');
    expect(result.out).toContain(`head hash: ${headHash}`);
  });

  for (const tamperCase of TAMPER_CASES) {
    it(`detects ${tamperCase.name} at seq ${tamperCase.firstBadSeq}`, async () => {
      const raw = await backend().raw();
      try {
        await tamperCase.tamper(raw);
      } finally {
        await raw.close();
      }

      const store = await backend().open();
      const verdict = await store.verifyChain();
      await store.close();
      expect(verdict).toMatchObject({
        ok: false,
        firstBadSeq: tamperCase.firstBadSeq,
        entries: tamperCase.firstBadSeq - 1,
      });
      expect(verdict.ok ? '' : verdict.problem).toMatch(tamperCase.problem);

      const result = await cliVerify();
      expect(result.code).toBe(1);
      expect(result.out).toContain(`fails at seq ${tamperCase.firstBadSeq}`);
      expect(result.out).toMatch(tamperCase.problem);
    });
  }

  it('names the entry id of the first bad entry', async () => {
    const raw = await backend().raw();
    const three = await rowAt(raw, 3);
    await raw.update(3, { event: 'cancelled' });
    await raw.close();

    const result = await cliVerify();
    expect(result.code).toBe(1);
    expect(result.out).toContain(three.entry_id);
  });

  it('cannot see the newest entries being cut off alone; a witness of the old head can', async () => {
    expect((await cliVerify('--witness', `6:${headHash}`)).out).toContain('witness #6: matches');
    const raw = await backend().raw();
    await raw.remove(6);
    await raw.close();

    const result = await cliVerify();
    expect(result.code).toBe(0);
    expect(result.out).toContain('entries: 5');
    expect(result.out).not.toContain(headHash);

    const witnessed = await cliVerify('--witness', `#6:${headHash.toUpperCase()}`);
    expect(witnessed.code).toBe(1);
    expect(witnessed.out).toContain('BROKEN: the audit chain no longer holds what a witness saw');
    expect(witnessed.out).toContain('witness #6: MISSING, the chain ends at entry #5');
  });

  it('sees, through a witness, a chain cut back and extended again with fresh entries', async () => {
    const raw = await backend().raw();
    const five = await rowAt(raw, 5);
    await raw.remove(6);
    await raw.close();
    const store = await backend().open();
    const written = await store.write(
      [{ from: null, record: buildRecord({ orderNo: 'RK2024050100007' }) }],
      new Date(),
    );
    await store.close();
    const rebuilt = written.ok ? written.entries[0]! : null;
    expect(rebuilt?.seq).toBe(6);

    expect((await cliVerify()).code).toBe(0);
    const result = await cliVerify('--witness', `5:${five.hash}`, '--witness', `6:${headHash}`);
    expect(result.code).toBe(1);
    expect(result.out).toContain('witness #5: matches');
    expect(result.out).toContain(`witness #6: DIFFERS, the database holds ${rebuilt?.hash}`);
  });
}

describe('tampering with a SQLite audit file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-tamper-'));
  let path = '';
  let n = 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  tamperSuite(() => ({
    async prepare() {
      n += 1;
      path = join(dir, `case-${n}`, 'audit.db');
    },
    async open() {
      return openSqliteAuditStore({ path });
    },
    async raw() {
      const db = new Database(path);
      db.pragma('foreign_keys = OFF');
      db.exec('DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete;');
      return {
        async rows() {
          return db.prepare<[], EntryRow>('SELECT * FROM audit_entries ORDER BY seq').all();
        },
        async update(seq, patch) {
          const { sql, values } = assignments(patch, () => '?');
          db.prepare(`UPDATE audit_entries SET ${sql} WHERE seq = ?`).run(...values, seq);
        },
        async remove(seq) {
          db.prepare('DELETE FROM audit_entries WHERE seq = ?').run(seq);
        },
        async insert(row) {
          db.prepare(
            `INSERT INTO audit_entries (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`,
          ).run(row);
        },
        async close() {
          db.close();
        },
      };
    },
    dbArg: () => path,
  }));

  it('a duplicate key makes SQL read a forged value the hash does not cover; verify names that row', async () => {
    const dupPath = join(dir, 'duplicate-key', 'audit.db');
    const store = openSqliteAuditStore({ path: dupPath });
    await store.write([{ from: null, record: buildRecord({ reason: 'original' }) }], new Date());
    await store.write([{ from: null, record: buildRecord({ reason: 'second' }) }], new Date());
    await store.close();
    const raw = new Database(dupPath);
    raw.exec('DROP TRIGGER audit_entries_no_update');
    raw
      .prepare(
        'UPDATE audit_entries SET record_json = replace(record_json, \'"reason":"original"\', ?) WHERE seq = 1',
      )
      .run('"reason":"FORGED","reason":"original"');
    const read = raw
      .prepare<[], { reason: string }>(
        "SELECT json_extract(record_json, '$.reason') AS reason FROM audit_entries WHERE seq = 1",
      )
      .get();
    raw.close();
    expect(read?.reason).toBe('FORGED');

    const reopened = openSqliteAuditStore({ path: dupPath });
    const verdict = await reopened.verifyChain();
    await reopened.close();
    expect(verdict).toMatchObject({ ok: false, firstBadSeq: 1, entries: 0 });
    expect(verdict.ok ? '' : verdict.problem).toMatch(/record_json is not the canonical form/);
  });

  it('restores a dropped or defused append-only trigger on the next open, and says so', async () => {
    const restorePath = join(dir, 'restore', 'audit.db');
    const store = openSqliteAuditStore({ path: restorePath });
    await store.write([{ from: null, record: buildRecord() }], new Date());
    await store.close();
    const raw = new Database(restorePath);
    raw.exec(`DROP TRIGGER audit_entries_no_delete;
      DROP TRIGGER audit_entries_no_update;
      CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries BEGIN SELECT 1; END;`);
    raw.close();

    const log = captureStream();
    const reopened = openSqliteAuditStore({
      path: restorePath,
      logger: createLogger({ level: 'warn', destination: log.stream }),
    });
    await reopened.close();

    expect(log.text()).toMatch(/audit_entries_no_update.*altered and has been restored/);
    expect(log.text()).toMatch(/audit_entries_no_delete.*missing and has been restored/);
    const check = new Database(restorePath);
    expect(() => check.prepare('DELETE FROM audit_entries').run()).toThrow(/append-only/);
    expect(() => check.prepare("UPDATE audit_entries SET event = 'x'").run()).toThrow(/append-only/);
    check.close();
  });
});

const pgUnavailable = await postgresUnavailableReason();
if (pgUnavailable) {
  console.warn(`${process.env.CI ? 'FAILING' : 'Skipping'} PostgreSQL tamper tests: ${pgUnavailable}`);
}

describe.skipIf(pgUnavailable !== null && !process.env.CI)(
  'tampering with a PostgreSQL audit database',
  () => {
    let db: TestDatabase;
    beforeAll(async () => {
      if (pgUnavailable) throw new Error(`CI requires PostgreSQL: ${pgUnavailable}`);
      db = await createTestDatabase();
    });
    afterAll(async () => {
      await db?.drop();
    });
    tamperSuite(() => ({
      prepare: () => db.reset(),
      open: () => openPostgresAuditStore({ connectionString: db.url }),
      async raw() {
        const client = await db.connect();
        await client.query('SET session_replication_role = replica');
        await client.query('ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_update_delete');
        const toRow = (row: EntryRow & { seq: string | number }): EntryRow => ({
          ...row,
          seq: Number(row.seq),
        });
        return {
          async rows() {
            const { rows } = await client.query<EntryRow>('SELECT * FROM audit_entries ORDER BY seq');
            return rows.map(toRow);
          },
          async update(seq, patch) {
            const { sql, values } = assignments(patch, (i) => `$${i + 1}`);
            await client.query(`UPDATE audit_entries SET ${sql} WHERE seq = $${values.length + 1}`, [
              ...values,
              seq,
            ]);
          },
          async remove(seq) {
            await client.query('DELETE FROM audit_entries WHERE seq = $1', [seq]);
          },
          async insert(row) {
            await client.query(
              `INSERT INTO audit_entries (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
              COLUMNS.map((column) => row[column as keyof EntryRow]),
            );
          },
          async close() {
            await client.end();
          },
        };
      },
      dbArg: () => db.url,
    }));

    it('restores a disabled trigger, a defused trigger function and a dropped trigger on the next start', async () => {
      await db.reset();
      const store = await openPostgresAuditStore({ connectionString: db.url });
      await store.write([{ from: null, record: buildRecord() }], new Date());
      await store.close();
      const raw = await db.connect();
      await raw.query(`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_update_delete;
        CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RETURN NEW; END $$;
        DROP TRIGGER audit_entries_no_truncate ON audit_entries;`);
      await raw.end();

      const log = captureStream();
      const reopened = await openPostgresAuditStore({
        connectionString: db.url,
        logger: createLogger({ level: 'warn', destination: log.stream }),
      });
      await reopened.close();

      expect(log.text()).toMatch(/trigger function was missing or altered and has been restored/);
      expect(log.text()).toMatch(/audit_entries_no_update_delete.*disabled and has been re-enabled/);
      expect(log.text()).toMatch(/audit_entries_no_truncate.*missing and has been restored/);
      const check = await db.connect();
      try {
        await expect(check.query('DELETE FROM audit_entries')).rejects.toThrow(/append-only/);
        await expect(check.query('TRUNCATE audit_entries CASCADE')).rejects.toThrow(/append-only/);
      } finally {
        await check.end();
      }
    });
  },
);
