import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatOutboxRows } from '../../src/audit/cli/outbox-rows.js';
import { runAuditCli } from '../../src/audit/cli.js';
import type { OutboxRow } from '../../src/core/ports/outbox.js';
import { createBotMetrics } from '../../src/metrics/bot-metrics.js';
import { OUTBOX_NOTE_AFTER_MS, readinessNotes } from '../../src/readiness.js';
import { OUTBOX_EVENT_TYPE } from '../../src/slack/outbox/posted-lookup.js';
import { BACKOFF, GIVE_UP_REASONS } from '../../src/slack/outbox/slack-failure.js';
import { OUTBOX_SETTINGS } from '../../src/slack/outbox/worker.js';
import { buildRecord } from '../support/audit-fixtures.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const doc = read('docs/slack-outages.md');
const source = ['src/slack/outbox/worker.ts', 'src/slack/outbox/posted-lookup.ts'].map(read).join('\n');

describe('docs/slack-outages.md says what the code does', () => {
  it('names only metrics the bot exports, and every outbox metric', async () => {
    const registry = createBotMetrics({ storeGauges: { maxAgeMs: 5_000, waitMs: 1_000 } }).registry;
    const exported = registry.getMetricsAsArray().map((metric) => metric.name);
    const named = [...new Set([...doc.matchAll(/\b(cancel_stockin_[a-z_]+)/g)].map((m) => m[1]!))].filter(
      (name) => name !== OUTBOX_EVENT_TYPE,
    );
    expect(named.filter((name) => !exported.includes(name))).toEqual([]);
    expect(exported.filter((name) => name.includes('outbox') && !named.includes(name))).toEqual([]);
  });

  it('runs only audit CLI verbs and flags that exist', async () => {
    const invocations = [...doc.matchAll(/npm run audit -- +([^\n`|)"]*)/g)].map((m) =>
      m[1]!.trim().split(/ +/),
    );
    expect(invocations.length).toBeGreaterThan(3);
    const exitCodeOf = (args: string[]) =>
      runAuditCli(args, { stdout: new PassThrough(), stderr: new PassThrough(), env: {} });
    for (const [verb, ...rest] of invocations) {
      expect(await exitCodeOf([verb!, '--help']), verb).toBe(0);
      for (const flag of rest.filter((arg) => arg.startsWith('-')))
        expect(await exitCodeOf([verb!, flag, 'x', '--help']), `${verb} ${flag}`).toBe(0);
    }
  });

  it('shows what `audit -- outbox` prints for the rows in its example, column widths included', () => {
    const block = /^ {2}```\n((?: {2}\d+ pending[^\n]*\n)(?: {2}[^\n]*\n)+?) {2}```$/m.exec(doc)?.[1];
    expect(block).toBeDefined();
    const lines = block!.split('\n').map((line) => line.slice(2));
    const rows: OutboxRow[] = lines.slice(2, -1).map((line) => {
      const [id, state, kindMode, orderNo, recordState, channel, owedAt, , tries, lastError, key] = line
        .replace('(audit channel)', 'AUDIT')
        .split(/ {2,}| /);
      const record = buildRecord({ orderNo: orderNo!, state: recordState as 'cancelled' });
      return {
        id: Number(id),
        state: state as OutboxRow['state'],
        tries: Number(tries),
        owedAt: owedAt!,
        lastError: lastError!,
        deliveredTs: null,
        item: {
          key: key!,
          slot: key!,
          mode: kindMode!.split('/')[1] as 'post',
          channelId: channel === 'AUDIT' ? null : channel!,
          attemptIds: [],
          body: { kind: 'outcome', record },
        },
      };
    });
    const [, pending, oldest, givenUp] = /^(\d+) pending \(oldest (\S+)\), (\d+) given up$/.exec(lines[0]!)!;
    const [, m, s] = /^(\d+)m(\d+)s$/.exec(oldest!)!.map(Number);
    const newestOwed = Math.max(
      ...rows.filter((r) => r.state === 'pending').map((r) => Date.parse(r.owedAt)),
    );
    const now = new Date(newestOwed + (m! * 60 + s!) * 1000);
    const summary = {
      pending: Number(pending),
      oldestPendingMs: (m! * 60 + s!) * 1000,
      givenUp: Number(givenUp),
    };
    expect(formatOutboxRows(rows, summary, now)).toBe(lines.join('\n'));
  });

  it('quotes log lines the worker writes, and the /readyz note as it reads', async () => {
    const quoted = [...doc.matchAll(/`((?:Slack|outbox|cannot look)[a-z ,;()-]+[a-z)])`/g)].map((m) => m[1]!);
    expect(quoted.length).toBeGreaterThanOrEqual(4);
    expect(quoted.filter((line) => !source.includes(line))).toEqual([]);
    const note = await readinessNotes({
      outbox: async () => ({ pending: 12, oldestPendingMs: 250_000, givenUp: 0 }),
    }).outbox!();
    expect(doc).toContain(`"outbox":"${note}"`);
    expect(doc).toContain(`the oldest message has waited ${OUTBOX_NOTE_AFTER_MS / 60_000} minutes`);
  });

  it('gives the lease, the pace and the backoff the worker uses, and only give-up reasons it has', () => {
    expect(doc).toContain(`for ${OUTBOX_SETTINGS.leaseMs / 1000} seconds (a lease)`);
    expect(doc).toContain(`${OUTBOX_SETTINGS.tickMs === 500 ? 'Twice a second' : '?'}`);
    expect(OUTBOX_SETTINGS.channelIntervalMs).toBe(1_000);
    expect(doc).toContain(`after ${BACKOFF.firstMs / 1000} s`);
    expect(doc).toContain(`at most ${BACKOFF.maxMs / 1000} s between tries`);
    expect(doc).toContain(`the bot waits ${OUTBOX_SETTINGS.lostAnswerWaitMs / 1000} s before`);
    const section = doc.split('### When a message is given up')[1]!.split('\n\n');
    const table = section.find((paragraph) => paragraph.startsWith('|'))!;
    const codes = [...table.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
    expect(codes.length).toBeGreaterThan(8);
    expect(codes.filter((code) => !(GIVE_UP_REASONS as readonly string[]).includes(code))).toEqual([]);
  });

  it('names the history scopes manifest.yml asks for', () => {
    const scopes = (parse(read('manifest.yml')) as { oauth_config: { scopes: { bot: string[] } } })
      .oauth_config.scopes.bot;
    for (const scope of ['channels:history', 'groups:history']) {
      expect(doc).toContain(scope);
      expect(scopes).toContain(scope);
    }
  });

  it('names no issue numbers', () => {
    expect(doc).not.toMatch(/\b(issue|pr|pull request)s? #?\d+|\(#\d+\)/i);
  });
});
