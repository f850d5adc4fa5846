import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../src/local/demo/local-stack.js';
import { captureStream } from '../audit/cli-io.js';
import { eventually } from '../support/process-stack.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run audit -- …` as an operator runs it: a separate process reading the bot's database. */
async function auditCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/audit/cli.ts', ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run audit on a database written by a real run of the bot', () => {
  let stack: LocalStack;
  let dbPath: string;
  const log = captureStream();

  beforeAll(async () => {
    stack = await startLocalStack({
      env: { CANCEL_ALLOWED_USERS: 'U0OPERATOR1' },
      logLevel: 'info',
      logDestination: log.stream,
    });
    dbPath = stack.auditDbPath;
    await stack.command('RK2006030008');
    await stack.submit(await stack.openedView(), '=SUM(A1) 供应商发错货 "urgent"');
    await stack.slack.waitFor('chat.postMessage');
    // Shown in editing state, completed by someone else while the bot checks again: WDT refuses the cancel.
    stack.wdt.orders.get('RK2006020015')!.status = 20;
    await stack.command('RK2006020015');
    const view = await stack.openedView();
    const query = 'wms.stockin.Purchase.queryWithDetail';
    const queries = stack.wdt.calls.filter((c) => c.method === query).length;
    stack.wdt.faults.set({ answerDelayMs: 300 }, query);
    await stack.submit(view, 'already completed');
    await eventually(() => stack.wdt.calls.filter((c) => c.method === query).length > queries);
    stack.wdt.orders.get('RK2006020015')!.status = 80;
    await stack.slack.waitFor(
      (c) => c.method === 'chat.postMessage' && JSON.stringify(c.args).includes('RK2006020015'),
    );
    await stack.command('RK2006030009', { id: 'U0OUTSIDER', name: 'outsider' });
    await stack.slack.waitFor('response_url');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await stack.bot.stop();
  }, 60_000);

  afterAll(async () => {
    await stack.stop().catch(() => undefined);
  });

  it('verify exits 0 and prints the head hash', async () => {
    const result = await auditCli(['verify', '--db', dbPath]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/head hash: [0-9a-f]{64}/);
  });

  it('show prints one order’s history', async () => {
    const result = await auditCli(['show', 'RK2006030008', '--db', dbPath]);
    expect(result.code).toBe(0);
    for (const state of ['requested', 'confirmed', 'calling', 'cancelled', 'notified']) {
      expect(result.stdout).toContain(state);
    }
    expect(result.stdout).toContain('Asia/Shanghai');
  });

  it('exports CSV that Excel opens with Chinese intact and formulas neutralised, and JSONL', async () => {
    const csvPath = join(stack.auditDbPath, '..', 'export.csv');
    expect((await auditCli(['export', '--format', 'csv', '--out', csvPath, '--db', dbPath])).code).toBe(0);
    const csv = await readFile(csvPath, 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv).toContain('供应商发错货');
    expect(csv).toContain('denied');
    expect(csv).toContain('入库单状态不为编辑中');
    expect(csv).toContain(`"'=SUM(A1) 供应商发错货 ""urgent"""`);
    expect(csv).not.toMatch(/,"?=SUM/);

    const jsonlPath = join(stack.auditDbPath, '..', 'export.jsonl');
    expect((await auditCli(['export', '--format', 'jsonl', '--out', jsonlPath, '--db', dbPath])).code).toBe(
      0,
    );
    const lines = (await readFile(jsonlPath, 'utf8')).trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(11);
    expect(JSON.parse(lines[0]!)).toMatchObject({ seq: 1, event: 'requested' });
  });

  it("each outcome post carries the chain's head then, and verify takes it as a witness", async () => {
    const heads = stack.slack.calls
      .filter((call) => call.method === 'chat.postMessage')
      .flatMap((call) => [...JSON.stringify(call.args.blocks).matchAll(/(\d+)[^\d`]*`([0-9a-f]{64})`/g)])
      .map((match) => `${match[1]}:${match[2]}`);
    expect(heads).toHaveLength(2);
    const [first, second] = heads.map((head) => Number(head.split(':')[0]));
    expect(second).toBeGreaterThan(first!);

    const result = await auditCli([
      'verify',
      '--db',
      dbPath,
      ...heads.flatMap((head) => ['--witness', head]),
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout.match(/: matches/g)).toHaveLength(2);
  });

  it('the log holds a witness of every entry, refusals included, and verify takes them all', async () => {
    const logged = log
      .text()
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { msg: string; audit?: { seq: number; hash: string; event: string } },
      )
      .flatMap((line) => (line.msg === 'audit entry committed' && line.audit ? [line.audit] : []));
    const verified = await auditCli(['verify', '--db', dbPath]);
    const entries = Number(/entries: (\d+)/.exec(verified.stdout)?.[1]);
    expect(logged.map((e) => e.seq)).toEqual(Array.from({ length: entries }, (_, i) => i + 1));
    expect(logged.map((e) => e.event)).toContain('denied');

    const witnesses = logged.flatMap((e) => ['--witness', `${e.seq}:${e.hash}`]);
    const result = await auditCli(['verify', '--db', dbPath, ...witnesses]);
    expect(result.code).toBe(0);
    expect(result.stdout.match(/: matches/g)).toHaveLength(entries);
  });

  it('verify exits 1 and names the entry after someone edits a reason in the database', async () => {
    const raw = new Database(dbPath);
    raw.exec('DROP TRIGGER IF EXISTS audit_entries_no_update');
    raw
      .prepare(
        "UPDATE audit_entries SET record_json = replace(record_json, 'urgent', 'routine') WHERE seq = 2",
      )
      .run();
    raw.close();
    const result = await auditCli(['verify', '--db', dbPath]);
    expect(result.code).toBe(1);
    expect(`${result.stdout}${result.stderr}`).toMatch(/seq 2|#2|entry 2/);
  });
});
