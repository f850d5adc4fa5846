import { beforeAll, describe, expect, it } from 'vitest';
import { runAuditCli, USAGE } from '../../src/audit/cli.js';
import { owedFor } from '../../src/core/owed-messages.js';
import type { AuditStore } from '../../src/core/ports/audit.js';
import { buildRecord, moved } from '../support/audit-fixtures.js';
import { createMemoryAuditDatabase, openMemoryAuditStore } from '../support/memory-audit-store.js';
import { captureStream } from './cli-io.js';

const START = new Date('2024-05-01T04:00:00.000Z');
let now = START;
const db = createMemoryAuditDatabase(() => now);
let closed = 0;

async function cli(argv: string[]) {
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await runAuditCli(argv, {
    env: {},
    cwd: '/',
    stdout: stdout.stream,
    stderr: stderr.stream,
    clock: { now: () => now },
    openStore: async (): Promise<AuditStore> => {
      const store = openMemoryAuditStore(db);
      const close = async () => {
        closed += 1;
      };
      return { ...store, close };
    },
  });
  return { code, out: stdout.text(), err: stderr.text() };
}

const table = (out: string) =>
  out
    .trimEnd()
    .split('\n')
    .slice(2)
    .map((line) => line.split(/\s{2,}/));

beforeAll(async () => {
  const store = openMemoryAuditStore(db);
  const gone = buildRecord({ orderNo: 'RK2024050100901', channelId: 'C0GONE', state: 'awaiting_verdict' });
  const waiting = buildRecord({ orderNo: 'RK2024050100902', channelId: 'C0OPS', state: 'cancelled' });
  for (const record of [gone, waiting]) {
    const owed = owedFor(record, { outcome: true });
    expect((await store.write([{ from: null, record: moved(record, 'requested') }], now)).ok).toBe(true);
    expect((await store.write([{ from: 'requested', record: moved(record, 'confirmed') }], now)).ok).toBe(
      true,
    );
    expect((await store.write([{ from: 'confirmed', record: moved(record, 'calling') }], now)).ok).toBe(true);
    now = new Date(now.getTime() + 60_000);
    expect((await store.write([{ from: 'calling', record }], now, owed)).ok).toBe(true);
  }
  // The first is given up (the bot was removed from C0GONE); Slack is down for the other two.
  const claimed = await store.claimDeliveries({ by: 'I0/1', limit: 10, leaseMs: 30_000 });
  for (const claim of claimed) {
    const outcome =
      claim.item.channelId === 'C0GONE'
        ? ({ kind: 'given_up', reason: 'not_in_channel' } as const)
        : ({ kind: 'retry', retryInMs: 30_000, error: 'http_503' } as const);
    expect(await store.settleDelivery(claim.id, 'I0/1', outcome)).not.toBeNull();
  }
  now = new Date(START.getTime() + 6 * 60_000 + 5_000);
});

describe('npm run audit -- outbox', () => {
  it('lists what waits for Slack and what was given up, oldest first, with totals', async () => {
    const { code, out, err } = await cli(['outbox']);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out.split('\n')[0]).toBe('2 pending (oldest 4m05s), 1 given up');
    expect(out.split('\n')[1]).toMatch(
      /^ID\s+STATE\s+KIND\s+WHAT\s+CHANNEL\s+OWED AT\s+AGE\s+TRIES\s+LAST ERROR\s+KEY$/,
    );
    const rows = table(out);
    expect(rows.map((row) => row.slice(1, 5))).toEqual([
      ['given_up', 'outcome/post', 'RK2024050100901 awaiting_verdict', 'C0GONE'],
      ['pending', 'outcome/post', 'RK2024050100902 cancelled', 'C0OPS'],
      ['pending', 'outcome/post', 'RK2024050100902 cancelled', '(audit channel)'],
    ]);
    expect(rows[0]!.slice(5, 9)).toEqual(['2024-05-01T04:01:00.000Z', '5m05s', '1', 'not_in_channel']);
    expect(rows[1]!.slice(7, 9)).toEqual(['1', 'http_503']);
    expect(rows[1]![9]).toMatch(/^outcome:01TESTATTEMPT\d+:cancelled$/);
    expect(closed).toBeGreaterThan(0);
  });

  it.each([
    [['--given-up'], ['given_up']],
    [['--pending'], ['pending', 'pending']],
    [
      ['--pending', '--given-up'],
      ['given_up', 'pending', 'pending'],
    ],
    [['--limit', '1'], ['given_up']],
  ])('outbox %s lists %s', async (flags, states) => {
    const { code, out } = await cli(['outbox', ...flags]);
    expect(code).toBe(0);
    expect(table(out).map((row) => row[1])).toEqual(states);
  });

  it('says so when nothing waits', async () => {
    const empty = createMemoryAuditDatabase(() => now);
    const stdout = captureStream();
    const code = await runAuditCli(['outbox'], {
      env: {},
      stdout: stdout.stream,
      stderr: captureStream().stream,
      openStore: async () => openMemoryAuditStore(empty),
    });
    expect(code).toBe(0);
    expect(stdout.text()).toBe('0 pending, 0 given up\n');
  });

  it('refuses a bad limit or argument with exit 2 and the usage, and documents itself', async () => {
    for (const argv of [
      ['outbox', '--limit', '0'],
      ['outbox', '--limit', 'ten'],
      ['outbox', 'extra'],
      ['outbox', '--all'],
    ]) {
      const { code, err } = await cli(argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(err).toContain('Usage: npm run audit');
    }
    expect(USAGE).toContain('outbox [--pending] [--given-up] [--limit N]');
    expect((await cli(['outbox', '--help'])).code).toBe(0);
  });

  it('exits 3 when the store cannot be read', async () => {
    const code = await runAuditCli(['outbox'], {
      env: {},
      stdout: captureStream().stream,
      stderr: captureStream().stream,
      openStore: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')),
    });
    expect(code).toBe(3);
  });
});
