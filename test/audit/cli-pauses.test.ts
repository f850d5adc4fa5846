import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditCli } from '../../src/audit/cli.js';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import { controlRecord } from '../../src/core/operator-control.js';
import { buildRecord } from '../support/audit-fixtures.js';
import { captureStream } from './cli-io.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-cli-pauses-'));
const dbPath = join(dir, 'audit.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const control = (kind: 'paused' | 'resumed', at: string, id: string) =>
  controlRecord({
    kind,
    adminId: 'U0ADMIN',
    teamId: 'T0',
    channelId: 'C0OPS',
    reason: kind === 'paused' ? '盘点 stocktake' : null,
    at: new Date(at),
    id,
    wdtHost: 'sandbox',
  });

beforeAll(async () => {
  const store = openSqliteAuditStore({ path: dbPath });
  await store.write(
    [{ from: null, record: buildRecord({ orderNo: 'RK2024050100001' }) }],
    new Date('2024-05-01T01:00:00Z'),
  );
  await store.recordControl(
    control('paused', '2024-05-01T02:00:00Z', '01PAUSE'),
    new Date('2024-05-01T02:00:00Z'),
  );
  await store.recordControl(
    control('resumed', '2024-05-01T03:00:00Z', '01RESUME'),
    new Date('2024-05-01T03:00:00Z'),
  );
  await store.close();
});

async function cli(argv: string[]) {
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await runAuditCli([...argv, '--db', dbPath], {
    env: {},
    cwd: dir,
    stdout: stdout.stream,
    stderr: stderr.stream,
    clock: { now: () => new Date('2024-06-01T00:00:00Z') },
  });
  return { code, out: stdout.text(), err: stderr.text() };
}

describe('the audit CLI and the operators’ pause entries', () => {
  it('verify walks them as part of the chain', async () => {
    const { code, out } = await cli(['verify']);
    expect(code).toBe(0);
    expect(out).toMatch(/entries: 3/);
  });

  it('show pauses lists who paused and resumed, when, where and why', async () => {
    const { code, out } = await cli(['show', 'pauses']);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/#2 .*paused .*by U0ADMIN .*in C0OPS, reason: 盘点 stocktake/);
    expect(lines[1]).toMatch(/#3 .*resumed .*by U0ADMIN .*in C0OPS/);
  });

  it('export carries them with their event and reason', async () => {
    const { code, out } = await cli(['export', '--format', 'csv', '--out', '-']);
    expect(code).toBe(0);
    expect(out).toMatch(/"paused","2024-05-01T02:00:00.000Z","01PAUSE".*"盘点 stocktake"/);
    expect(out).toMatch(/"resumed","2024-05-01T03:00:00.000Z","01RESUME"/);
  });
});
