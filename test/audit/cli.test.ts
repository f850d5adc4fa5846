import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/audit/canonical-json.js';
import { resolveDbTarget } from '../../src/audit/cli/db-target.js';
import { runAuditCli, USAGE } from '../../src/audit/cli.js';
import { entryHash } from '../../src/audit/hash-chain.js';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import type { AuditEntry } from '../../src/core/ports/audit.js';
import { buildRecord, writeHistory } from '../support/audit-fixtures.js';
import { captureStream } from './cli-io.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-cli-'));
const dbPath = join(dir, 'data', 'audit.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const utc = (iso: string) => new Date(iso);

beforeAll(async () => {
  const store = openSqliteAuditStore({ path: dbPath });
  const a = buildRecord({
    orderNo: 'RK2024050100001',
    requesterId: 'U0ALICE',
    reason: '供应商重复入库，需撤销',
  });
  const confirmed = { ...a, state: 'confirmed' as const, approverIds: ['U0BOSS', 'U0AUDIT'] };
  const calling = { ...confirmed, state: 'calling' as const };
  const refused = {
    ...calling,
    state: 'refused' as const,
    wdtStatus: 200,
    wdtCode: '-1',
    wdtMessage: '=HYPERLINK("http://evil.example","单据已审核, 不能取消")',
    wdtOutcome: 'refused',
    durationMs: 412,
    statusBefore: 30,
    statusAfter: 30,
    detail: '@SUM(1+1)\nsecond line',
  };
  await writeHistory(store, [a, confirmed, calling, refused], (index) =>
    utc(
      [
        '2024-04-30T23:59:59.000Z',
        '2024-05-01T00:00:00.000Z',
        '2024-05-01T04:00:05.000Z',
        '2024-05-01T23:59:59.999Z',
      ][index]!,
    ),
  );
  await store.write(
    [{ from: null, record: buildRecord({ orderNo: 'RK2024050200002', reason: '+cmd|calc' }) }],
    utc('2024-05-02T00:00:00.000Z'),
  );
  await store.close();
});

async function cli(argv: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await runAuditCli(argv, {
    env: options.env ?? {},
    cwd: options.cwd ?? dir,
    stdout: stdout.stream,
    stderr: stderr.stream,
    clock: { now: () => utc('2024-06-01T08:09:10.123Z') },
  });
  return { code, out: stdout.text(), err: stderr.text() };
}

/** A strict RFC 4180 reader, enough to check what a spreadsheet would see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += ch;
  }
  return rows;
}

describe('audit export', () => {
  it('writes CSV as UTF-8 with BOM, RFC 4180 quoting, Chinese intact and formulas neutralised', async () => {
    const out = join(dir, 'all.csv');
    const result = await cli(['export', '--db', dbPath, '--format', 'csv', '--out', out]);

    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain(`exported 5 entries (csv) to ${out}`);
    const bytes = readFileSync(out);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(bytes.toString('utf8').slice(1));
    const [header, ...body] = rows;
    expect(header).toEqual([
      'seq',
      'entry_id',
      'event',
      'at',
      'attempt_id',
      'batch_id',
      'state',
      'order_no',
      'requester_id',
      'approver_ids',
      'reason',
      'team_id',
      'channel',
      'wdt_host',
      'method',
      'body_digest',
      'wdt_status',
      'wdt_code',
      'wdt_message',
      'wdt_outcome',
      'duration_ms',
      'status_before',
      'status_after',
      'slack_channel',
      'slack_ts',
      'notified_via',
      'detail',
      'prev_hash',
      'hash',
    ]);
    expect(body).toHaveLength(5);
    const cell = (row: string[] | undefined, name: string) => row?.[header!.indexOf(name)];
    expect(body.map((row) => cell(row, 'seq'))).toEqual(['1', '2', '3', '4', '5']);
    expect(cell(body[0], 'reason')).toBe('供应商重复入库，需撤销');
    expect(cell(body[1], 'approver_ids')).toBe('U0BOSS U0AUDIT');
    const refused = body[3];
    expect(cell(refused, 'wdt_message')).toBe(`'=HYPERLINK("http://evil.example","单据已审核, 不能取消")`);
    expect(cell(refused, 'wdt_code')).toBe("'-1");
    expect(cell(refused, 'detail')).toBe("'@SUM(1+1)\nsecond line");
    expect(cell(refused, 'wdt_status')).toBe('200');
    expect(cell(refused, 'duration_ms')).toBe('412');
    expect(cell(refused, 'slack_ts')).toBe('');
    expect(cell(body[4], 'reason')).toBe("'+cmd|calc");
    expect(cell(body[4], 'prev_hash')).toBe(cell(refused, 'hash'));
    expect(bytes.toString('utf8')).toContain(
      '"\'=HYPERLINK(""http://evil.example"",""单据已审核, 不能取消"")"',
    );
  });

  it('filters by --since (inclusive) and --until (a date-only until covers that whole UTC day)', async () => {
    const out = join(dir, 'may-1.csv');
    const result = await cli([
      'export',
      '--db',
      dbPath,
      '--since',
      '2024-05-01',
      '--until',
      '2024-05-01',
      '--out',
      out,
    ]);

    expect(result.code).toBe(0);
    const rows = parseCsv(readFileSync(out, 'utf8').slice(1)).slice(1);
    expect(rows.map((row) => row[0])).toEqual(['2', '3', '4']);

    const shanghai = join(dir, 'shanghai.csv');
    await cli([
      'export',
      '--db',
      dbPath,
      '--since',
      '2024-05-01T08:00+08:00',
      '--until',
      '2024-05-01T12:00:05+08:00',
      '--out',
      shanghai,
    ]);
    expect(
      parseCsv(readFileSync(shanghai, 'utf8').slice(1))
        .slice(1)
        .map((row) => row[0]),
    ).toEqual(['2']);
  });

  it('writes JSONL of canonical entries from which anyone can recompute the hashes', async () => {
    const out = join(dir, 'all.jsonl');
    const result = await cli(['export', '--db', dbPath, '--format', 'jsonl', '--out', out]);

    expect(result.code).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    const entries: AuditEntry[] = lines.map((line) => JSON.parse(line));
    expect(entries.map((entry) => canonicalJson(entry))).toEqual(lines);
    for (const entry of entries) expect(entryHash(entry.prevHash, entry)).toBe(entry.hash);
    expect(entries[0]?.record.reason).toBe('供应商重复入库，需撤销');
  });

  it('defaults to audit-export-<UTC time>.<ext> in the current directory and never overwrites', async () => {
    const cwd = join(dir, 'cwd');
    mkdirSync(cwd);
    const first = await cli(['export', '--db', dbPath, '--format', 'jsonl'], { cwd });
    expect(first.code).toBe(0);
    expect(readdirSync(cwd)).toEqual(['audit-export-20240601T080910Z.jsonl']);

    const again = await cli(['export', '--db', dbPath, '--format', 'jsonl'], { cwd });
    expect(again.code).toBe(2);
    expect(again.err).toContain('already exists');
  });

  it('writes to stdout with --out -', async () => {
    const result = await cli([
      'export',
      '--db',
      dbPath,
      '--format',
      'jsonl',
      '--out',
      '-',
      '--since',
      '2024-05-02',
    ]);
    expect(result.code).toBe(0);
    expect(result.out.trimEnd().split('\n')).toHaveLength(1);
    expect(result.err).toContain('exported 1 entries');
  });
});

describe('audit show', () => {
  it('prints one readable line per entry with UTC and Asia/Shanghai times, event, who and outcome', async () => {
    const result = await cli(['show', 'RK2024050100001', '--db', dbPath]);

    expect(result.code).toBe(0);
    const lines = result.out.trimEnd().split('\n');
    expect(lines[0]).toBe('order RK2024050100001: 4 entries');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(
      /^#1 {2}2024-04-30 23:59:59Z \(2024-05-01 07:59:59 Asia\/Shanghai\) {2}requested .*by U0ALICE {2}reason: 供应商重复入库，需撤销/,
    );
    expect(lines[2]).toContain('approved by U0BOSS, U0AUDIT');
    expect(lines[3]).toContain('2024-05-01 04:00:05Z (2024-05-01 12:00:05 Asia/Shanghai)  calling');
    expect(lines[4]).toContain('refused');
    expect(lines[4]).toContain('WDT refused, HTTP 200, code -1');
    expect(lines[4]).toContain('status 30 -> 30, 412 ms');
    expect(lines[4]).toContain('@SUM(1+1)\\nsecond line');
  });

  it('shows a call awaiting its verdict with when it may get one, and a correction as one, naming what it overturns', async () => {
    const path = join(dir, 'corrections.db');
    let now = utc('2024-05-01T04:01:00.000Z');
    const store = openSqliteAuditStore({ path, now: () => now });
    const requested = buildRecord({ orderNo: 'RK2024050100003', requesterId: 'U0ALICE' });
    const confirmed = { ...requested, state: 'confirmed' as const };
    const calling = { ...confirmed, state: 'calling' as const };
    const waiting = {
      ...calling,
      state: 'awaiting_verdict' as const,
      verdictAfter: '2024-05-01T04:03:00.000Z',
    };
    await writeHistory(store, [requested, confirmed, calling, waiting]);
    now = utc('2024-05-01T04:04:00.000Z');
    const notCancelled = { ...waiting, state: 'reconciled_not_cancelled' as const, statusAfter: 30 };
    expect((await store.write([{ from: 'awaiting_verdict', record: notCancelled }], now)).ok).toBe(true);
    const cancelled = { ...notCancelled, state: 'cancelled' as const, wdtOutcome: 'ok', statusAfter: 5 };
    const corrected = await store.write(
      [{ from: 'reconciled_not_cancelled', record: cancelled, event: 'corrected' }],
      now,
    );
    expect(corrected.ok).toBe(true);
    await store.close();

    const result = await cli(['show', 'RK2024050100003', '--db', path]);

    expect(result.code).toBe(0);
    const lines = result.out.trimEnd().split('\n');
    expect(lines[0]).toBe('order RK2024050100003: 6 entries');
    expect(lines[4]).toMatch(
      / {2}awaiting_verdict {2}by U0ALICE {2}verdict after 2024-05-01T04:03:00\.000Z {2}attempt /,
    );
    expect(lines[5]).toMatch(/ {2}reconciled_not_cancelled {2}.*status \? -> 30/);
    expect(lines[6]).toMatch(
      / {2}corrected {5}by U0ALICE {2}correction: WDT confirmed the cancel; the attempt was recorded as reconciled_not_cancelled, WDT ok, status \? -> 5 {2}attempt /,
    );
  });

  it('says so when an order has no entries', async () => {
    const result = await cli(['show', 'RK1999', '--db', dbPath]);
    expect(result).toMatchObject({ code: 0, out: 'no audit entries for order RK1999\n' });
  });
});

describe('audit CLI arguments', () => {
  it.each([
    [[], /missing command/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['verify', '--nope'], /Unknown option '--nope'/],
    [['verify', 'extra'], /unexpected argument "extra"/],
    [['export', '--format', 'xlsx'], /--format must be one of csv, jsonl/],
    [['export', '--since', 'yesterday'], /--since "yesterday" is not a date/],
    [['export', '--until', '2024-05-01T10:00'], /--until "2024-05-01T10:00" is not a date/],
    [['export', '--since', '2024-02-30'], /is not a date/],
    [['export', '--since', '2024-05-02', '--until', '2024-05-01'], /--since must be before --until/],
    [['export', '--out'], /argument missing/],
    [['show'], /expected one order number/],
    [['show', 'RK1', 'RK2'], /expected one order number/],
    [['verify', '--witness', '12:abc'], /--witness takes SEQ:HASH.*got "12:abc"/],
    [['verify', '--witness', `0:${'a'.repeat(64)}`], /--witness takes SEQ:HASH/],
    [['verify', '--witness'], /argument missing/],
  ])('exits 2 with a usage message for %j', async (argv, message) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(result.err).toContain(USAGE);
  });

  it('prints help and exits 0 for --help', async () => {
    const result = await cli(['export', '--help']);
    expect(result.code).toBe(0);
    expect(result.out).toBe(USAGE);
  });

  it('exits 3 without creating anything when the SQLite file does not exist', async () => {
    const missing = join(dir, 'nowhere', 'audit.db');
    const result = await cli(['verify', '--db', missing]);
    expect(result.code).toBe(3);
    expect(result.err).toContain(`no audit database at ${missing} (from --db)`);
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
  });

  it('says why it looked at ./data/audit.db when no setting names the database', async () => {
    const result = await cli(['verify'], { env: {}, cwd: join(dir, 'empty-cwd') });
    expect(result.code).toBe(3);
    expect(result.err).toContain('neither --db, DATABASE_URL nor AUDIT_DB_PATH is set');
    expect(result.err).toContain('docs/deploy.md');
  });

  it('reads the database from --db, else DATABASE_URL, else AUDIT_DB_PATH, else ./data/audit.db', async () => {
    const env = {
      DATABASE_URL: 'postgres://u:secret@db.internal:5432/audit',
      AUDIT_DB_PATH: '/var/audit.db',
    };
    expect(resolveDbTarget('x.db', env, '/srv')).toEqual({
      kind: 'sqlite',
      path: '/srv/x.db',
      chosenBy: '--db',
    });
    expect(resolveDbTarget(undefined, env, '/srv')).toEqual({ kind: 'postgres', url: env.DATABASE_URL });
    expect(resolveDbTarget(undefined, { ...env, DATABASE_URL: '' }, '/srv')).toEqual({
      kind: 'sqlite',
      path: '/var/audit.db',
      chosenBy: 'AUDIT_DB_PATH',
    });
    expect(resolveDbTarget(undefined, {}, '/srv')).toEqual({
      kind: 'sqlite',
      path: '/srv/data/audit.db',
      chosenBy: 'default',
    });

    const viaEnv = await cli(['verify'], { env: { AUDIT_DB_PATH: dbPath } });
    expect(viaEnv.code).toBe(0);
    const viaDefault = await cli(['verify'], { cwd: dir });
    expect(viaDefault).toMatchObject({ code: 0 });
    expect(viaDefault.out).toContain('entries: 5');
  });

  it('never prints a PostgreSQL password', async () => {
    const result = await cli(['verify', '--db', 'postgres://auditor:hunter2@127.0.0.1:1/none']);
    expect(result.code).toBe(3);
    expect(result.out + result.err).not.toContain('hunter2');
  });
});

describe('audit CLI on a damaged file', () => {
  it('reports a file that is not a database as a failure to run, not as an intact chain', async () => {
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'this is not sqlite');
    const result = await cli(['verify', '--db', junk]);
    expect(result.code).toBe(3);
    expect(result.err).toMatch(/not a database/);
  });
});
