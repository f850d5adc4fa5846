import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runAuditCli } from '../../src/audit/cli.js';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import type { AuditStore } from '../../src/core/ports/audit.js';
import { type SlackStandin, startSlackStandin } from '../../src/local/slack-standin/web-api.js';
import { createLogger } from '../../src/logger.js';
import { createSlackApiPoster } from '../../src/slack/api-poster.js';
import { createChainHeadWitness, startChainHeadWitness } from '../../src/slack/chain-head-witness.js';
import { createSlackChatClient } from '../../src/slack/chat-client.js';
import { textsFor } from '../../src/slack/texts/index.js';
import { captureStream } from '../audit/cli-io.js';
import { buildRecord } from '../support/audit-fixtures.js';
import { memoryLog } from '../support/memory-log.js';

const TOKEN = 'xoxb-witness-test-token';
const CHANNEL = 'C0AUDIT';
const dir = mkdtempSync(join(tmpdir(), 'chain-witness-'));
let slack: SlackStandin;
let n = 0;

beforeAll(async () => {
  slack = await startSlackStandin({ port: 0, tokens: { bot: TOKEN } });
});
afterAll(async () => {
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

function setup(options: { channelId?: string | undefined; locale?: 'en' | 'zh-CN' } = {}) {
  n += 1;
  const path = join(dir, `case-${n}`, 'audit.db');
  const store = openSqliteAuditStore({ path });
  const log = memoryLog();
  const poster = createSlackApiPoster({ token: TOKEN, apiUrl: slack.apiUrl });
  const witness = createChainHeadWitness({
    audit: store,
    chat: createSlackChatClient(poster, { retries: 0, minDelayMs: 1, maxDelayMs: 1, timeoutMs: 5_000 }),
    channelId: 'channelId' in options ? options.channelId : CHANNEL,
    texts: textsFor(options.locale ?? 'en'),
    clock: { now: () => new Date('2024-05-01T04:15:00.000Z') },
    logger: createLogger({ destination: log.destination }),
  });
  return { path, store, log, witness, close: () => Promise.all([store.close(), poster.close()]) };
}

/** The channel as Slack's workspace export writes a day file: a JSON array of message objects. */
function exportChannel(file: string): string {
  const messages = [...slack.messages.values()]
    .filter((m) => m.channel === CHANNEL)
    .map((m) => ({
      type: 'message',
      subtype: 'bot_message',
      bot_id: 'B0BOT',
      ts: m.ts,
      text: m.text,
      blocks: m.blocks,
    }));
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify(messages, null, 4));
  return path;
}

async function verify(...args: string[]) {
  const out = captureStream();
  const err = captureStream();
  const code = await runAuditCli(['verify', ...args], { env: {}, stdout: out.stream, stderr: err.stream });
  return { code, out: out.text(), err: err.text() };
}

/** A new attempt's `requested` entry. */
async function append(store: AuditStore) {
  const written = await store.write(
    [{ from: null, record: buildRecord() }],
    new Date('2024-05-01T04:00:00Z'),
  );
  if (!written.ok) throw new Error(`a new attempt was refused: ${written.conflict.kind}`);
  return written.entries[0]!;
}

describe('the chain-head witness posted to AUDIT_CHANNEL_ID', () => {
  beforeEach(() => slack.messages.clear());

  it('posts the head when it moved, not again when it did not, and nothing for an empty chain', async () => {
    const { store, witness, close } = setup();
    expect(await witness.publishOnce()).toBe('empty');
    await append(store);
    const head = await append(store);
    expect(await witness.publishOnce()).toBe('posted');
    expect(await witness.publishOnce()).toBe('unchanged');
    const posted = [...slack.messages.values()];
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ channel: CHANNEL });
    expect(posted[0]?.text).toBe(
      `Audit chain witness: entry #2 \`${head.hash}\` is the newest as of 2024-05-01T04:15:00.000Z. Keep this message: \`npm run audit -- verify --witness-slack\` checks the database against it.`,
    );
    await append(store);
    expect(await witness.publishOnce()).toBe('posted');
    expect(slack.messages.size).toBe(2);
    await close();
  });

  it('a tail cut after the last witness (a `requested` entry no final message shows) fails verify --witness-slack', async () => {
    const { path, store, witness, close } = setup({ locale: 'zh-CN' });
    await append(store);
    await append(store);
    expect(await witness.publishOnce()).toBe('posted');
    await close();
    const exported = exportChannel('zh-day.json');

    expect(await verify('--db', path, '--witness-slack', exported)).toMatchObject({ code: 0 });
    const raw = new Database(path);
    raw.pragma('foreign_keys = OFF');
    raw.exec('DROP TRIGGER audit_entries_no_delete');
    raw.prepare('DELETE FROM audit_entries WHERE seq = 2').run();
    raw.close();

    expect((await verify('--db', path)).code).toBe(0);
    const result = await verify('--db', path, '--witness-slack', exported);
    expect(result.code).toBe(1);
    expect(result.out).toContain('witness #2: MISSING, the chain ends at entry #1');
    expect(result.out).toContain('1 witnesses, the newest #2');
  });

  it('counts and logs a failed post, never throws, and posts the same head on the next pass', async () => {
    const { store, witness, log, close } = setup();
    await append(store);
    slack.faults.set('chat.postMessage', { error: 'channel_not_found', times: 1 });
    expect(await witness.publishOnce()).toBe('failed');
    expect(witness.failures).toBe(1);
    expect(log.entries()).toContainEqual(
      expect.objectContaining({
        level: 50,
        witnessFailures: 1,
        msg: expect.stringMatching(/could not post the audit chain head/),
      }),
    );
    expect(await witness.publishOnce()).toBe('posted');
    expect(slack.messages.size).toBe(1);
    await close();
  });

  it('without AUDIT_CHANNEL_ID posts nothing and warns once at start that witnesses exist only in logs', async () => {
    const { store, witness, close } = setup({ channelId: undefined });
    await append(store);
    expect(await witness.publishOnce()).toBe('no-channel');
    expect(slack.messages.size).toBe(0);
    const log = memoryLog();
    const timer = startChainHeadWitness(witness, {
      everyMs: 60_000,
      channelId: undefined,
      logger: createLogger({ destination: log.destination }),
    });
    timer.stop();
    expect(log.entries()).toEqual([
      expect.objectContaining({
        level: 40,
        msg: expect.stringMatching(/AUDIT_CHANNEL_ID is not set.*only in the logs/),
      }),
    ]);
    await close();
  });
});
