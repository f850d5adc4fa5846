import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedClock } from '../../../src/audit/sqlite/shared-clock.js';
import { openSqliteAuditStore } from '../../../src/audit/sqlite/store.js';
import type { AuditStore } from '../../../src/core/ports/audit.js';
import { buildRecord } from '../../support/audit-fixtures.js';
import { expectNothingKeptWhenTheCallingEntryFails, virtualClock, written } from '../contract-support.js';
import { auditStoreContract } from '../store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
let currentPath = '';
const clock = sharedClock(new Date('2026-03-01T00:00:00.000Z'));
const requested = () => ({ from: null, record: buildRecord() });
const newAttempt = (store: AuditStore) => written(store, [requested()]);

describe('SQLite audit store', () => {
  auditStoreContract(() => ({
    async fresh() {
      fileNo += 1;
      currentPath = join(dir, `store-${fileNo}`, 'audit.db');
      return openSqliteAuditStore({ path: currentPath, now: clock.now });
    },
    async another() {
      return openSqliteAuditStore({ path: currentPath, now: clock.now });
    },
    clock: virtualClock(clock),
  }));

  it('creates the parent directory and the file, in WAL mode with synchronous=FULL', async () => {
    const path = join(dir, 'nested', 'deeper', 'audit.db');
    const store = openSqliteAuditStore({ path });
    await newAttempt(store);
    await store.close();

    expect(existsSync(path)).toBe(true);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.prepare('SELECT version FROM schema_migrations').all()).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
      { version: 4 },
      { version: 5 },
    ]);
    // The pause state is read every second: through its partial index, never a scan of the chain.
    const plan = raw
      .prepare(
        "EXPLAIN QUERY PLAN SELECT * FROM audit_entries WHERE event IN ('paused', 'resumed') ORDER BY seq DESC LIMIT 1",
      )
      .all() as Array<{ detail: string }>;
    expect(plan.map((row) => row.detail).join('\n')).toMatch(/USING INDEX audit_entries_control/);
    const idle = raw
      .prepare(
        "EXPLAIN QUERY PLAN SELECT record_json FROM attempts WHERE state IN ('confirmed', 'approved') AND state_since <= '2024' ORDER BY state_since LIMIT 5",
      )
      .all() as Array<{ detail: string }>;
    expect(idle.map((row) => row.detail).join('\n')).toMatch(/USING INDEX attempts_state_since/);
    // Each claimed message looks up its slot's first post: one index step, however many were ever delivered.
    const plans = (sql: string) =>
      (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((row) => row.detail);
    expect(
      plans(
        "SELECT delivered_ts FROM outbox WHERE slot = 's' AND state = 'delivered' AND delivered_ts IS NOT NULL ORDER BY id LIMIT 1",
      ),
    ).toEqual(['SEARCH outbox USING INDEX outbox_slot (slot=? AND state=?)']);
    expect(plans("SELECT id, slot FROM outbox WHERE state = 'pending'")).toEqual([
      'SEARCH outbox USING INDEX outbox_state (state=?)',
    ]);
    expect(plans("SELECT record_json FROM attempts WHERE batch_id = 'b' ORDER BY attempt_id")).toEqual([
      'SEARCH attempts USING INDEX attempts_batch_id (batch_id=?)',
    ]);
    raw.close();
  });

  it('group commit keeps every write of the group, or none when the group itself fails', async () => {
    const store = openSqliteAuditStore({ path: join(dir, 'group-commit', 'audit.db') });
    try {
      const at = new Date('2024-05-01T04:00:00.000Z');
      const kept = await Promise.all(
        store.groupCommit(() => [1, 2, 3].map(() => store.write([requested()], at))),
      );
      expect(kept.map((r) => r.ok && r.entries[0]!.seq)).toEqual([1, 2, 3]);
      expect(() =>
        store.groupCommit(() => {
          void store.write([{ from: null, record: buildRecord({ orderNo: 'RK2006030008' }) }], at);
          throw new Error('disk gave up before COMMIT');
        }),
      ).toThrow('disk gave up');
      expect(await store.orderHistory('RK2006030008')).toEqual([]);
      expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 3 });
      await newAttempt(store);
      expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 4 });
    } finally {
      await store.close();
    }
  });

  it('a write is all or nothing: when its second entry cannot be written, neither is kept, nor the lock', async () => {
    const path = join(dir, 'write-atomic', 'audit.db');
    openSqliteAuditStore({ path }).close();
    const raw = new Database(path);
    raw.exec(`CREATE TRIGGER test_refuse_calling BEFORE INSERT ON audit_entries WHEN NEW.event = 'calling'
              BEGIN SELECT RAISE(ABORT, 'disk refused the calling entry'); END`);
    raw.close();
    const store = openSqliteAuditStore({ path });
    try {
      await expectNothingKeptWhenTheCallingEntryFails(store, /disk refused/);
    } finally {
      await store.close();
    }
  });

  it('refuses UPDATE and DELETE of audit entries at the database level', async () => {
    const path = join(dir, 'guarded', 'audit.db');
    const store = openSqliteAuditStore({ path });
    await newAttempt(store);
    await store.close();

    const raw = new Database(path);
    expect(() => raw.prepare("UPDATE audit_entries SET event = 'cancelled'").run()).toThrow(/append-only/);
    expect(() => raw.prepare('DELETE FROM audit_entries').run()).toThrow(/append-only/);
    raw.close();
  });

  it('keeps one chain when two processes append to the same file at the same time', async () => {
    const path = join(dir, 'two-processes', 'audit.db');
    openSqliteAuditStore({ path }).close();
    const worker = fileURLToPath(new URL('./append-worker.ts', import.meta.url));
    // A barrier, not a start time: each child says when it is ready and both are told to go together.
    const start = (tag: string) => {
      const args = ['--import', 'tsx', worker, path, '200', tag];
      const child = spawn(process.execPath, args, { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
      const ready = new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`worker ${tag} exited ${code} before it was ready`)));
      });
      const exited = new Promise<void>((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`worker ${tag} exited ${code}`)),
        );
      });
      return { child, ready, exited };
    };
    const workers = [start('P1'), start('P2')];
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.send('go');
    await Promise.all(workers.map((w) => w.exited));

    const store = openSqliteAuditStore({ path });
    expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 400 });
    const writers: string[] = [];
    for await (const entry of store.entries()) writers.push(entry.record.requesterId);
    expect(new Set(writers)).toEqual(new Set(['U0P1', 'U0P2']));
    const switches = writers.filter((writer, i) => i > 0 && writer !== writers[i - 1]).length;
    expect(switches, 'the two processes should have interleaved').toBeGreaterThan(10);
    await store.close();
  }, 60_000);
});
