import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../../src/audit/sqlite/store.js';
import { buildRecord } from '../../support/audit-fixtures.js';
import { auditStoreContract, expectNothingKeptWhenTheCallingEntryFails } from '../store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
let currentPath = '';

describe('SQLite audit store', () => {
  auditStoreContract(() => ({
    async fresh() {
      fileNo += 1;
      currentPath = join(dir, `store-${fileNo}`, 'audit.db');
      return openSqliteAuditStore({ path: currentPath });
    },
    async another() {
      return openSqliteAuditStore({ path: currentPath });
    },
  }));

  it('creates the parent directory and the file, in WAL mode with synchronous=FULL', async () => {
    const path = join(dir, 'nested', 'deeper', 'audit.db');
    const store = openSqliteAuditStore({ path });
    await store.append('requested', buildRecord(), new Date());
    await store.close();

    expect(existsSync(path)).toBe(true);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.prepare('SELECT version FROM schema_migrations').all()).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
    ]);
    // The pause state is read every second: through its partial index, never a scan of the chain.
    const plan = raw
      .prepare(
        "EXPLAIN QUERY PLAN SELECT * FROM audit_entries WHERE event IN ('paused', 'resumed') ORDER BY seq DESC LIMIT 1",
      )
      .all() as Array<{ detail: string }>;
    expect(plan.map((row) => row.detail).join('\n')).toMatch(/USING INDEX audit_entries_control/);
    raw.close();
  });

  it('group commit keeps every write of the group, or none when the group itself fails', async () => {
    const store = openSqliteAuditStore({ path: join(dir, 'group-commit', 'audit.db') });
    try {
      const at = new Date('2024-05-01T04:00:00.000Z');
      const kept = await Promise.all(
        store.groupCommit(() => [1, 2, 3].map(() => store.append('requested', buildRecord(), at))),
      );
      expect(kept.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(() =>
        store.groupCommit(() => {
          void store.append('requested', buildRecord({ orderNo: 'RK2006030008' }), at);
          throw new Error('disk gave up before COMMIT');
        }),
      ).toThrow('disk gave up');
      expect(await store.orderHistory('RK2006030008')).toEqual([]);
      expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 3 });
      await store.append('requested', buildRecord(), at);
      expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 4 });
    } finally {
      await store.close();
    }
  });

  it('confirmAndBeginCall is all or nothing: when the calling entry cannot be written, the claim is not kept', async () => {
    const path = join(dir, 'confirm-atomic', 'audit.db');
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
    await store.append('requested', buildRecord(), new Date());
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
