import { describe, expect, it } from 'vitest';
import { advance, newAttempt } from '../../src/core/attempt.js';
import type { AttemptRecord } from '../../src/core/ports/audit.js';
import { systemClock } from '../../src/core/ports/clock.js';
import { createLogger } from '../../src/logger.js';
import type { SlackChat } from '../../src/slack/chat-client.js';
import { createSlackNotifier } from '../../src/slack/notifier.js';
import { createSeals } from '../../src/slack/private-metadata.js';
import { en } from '../../src/slack/texts/en.js';
import { memoryLog } from '../support/memory-log.js';

type Method = 'postMessage' | 'update' | 'postEphemeral' | 'open';
interface ChatCall {
  method: Method;
  args: Record<string, unknown>;
}

/** A SlackChat that records each call and fails the methods it is told to, as Bolt's client would. */
function fakeChat(failing: Partial<Record<Method, string>> = {}) {
  const calls: ChatCall[] = [];
  let posts = 0;
  const call = async <T>(method: Method, args: object, answer: () => T): Promise<T> => {
    calls.push({ method, args: { ...args } });
    const error = failing[method];
    if (error)
      throw Object.assign(new Error(`An API error occurred: ${error}`), { data: { ok: false, error } });
    return answer();
  };
  const client: SlackChat = {
    chat: {
      postMessage: (args) =>
        call('postMessage', args, () => {
          posts += 1;
          return { channel: args.channel, ts: `17.${posts}` };
        }),
      update: (args) => call('update', args, () => ({ ok: true })),
      postEphemeral: (args) => call('postEphemeral', args, () => ({ ok: true })),
    },
    conversations: {
      open: (args) => call('open', args, () => ({ channel: { id: 'D0ALICE' } })),
    },
  };
  return { client, calls };
}

/** `auditChannelId` null: no audit channel configured. */
function notifierWith(chat: ReturnType<typeof fakeChat>, auditChannelId: string | null = 'C0AUDIT') {
  const log = memoryLog();
  const notifier = createSlackNotifier({
    client: chat.client,
    texts: en,
    environment: { host: 'wdt.wangdian.cn', kind: 'production' },
    auditChannelId: auditChannelId ?? undefined,
    seals: createSeals({ key: 'seal-key-for-tests', clock: systemClock, approvalTtlMs: 30 * 60_000 }),
    approvalTtlMinutes: 30,
    logger: createLogger({ level: 'info', destination: log.destination }),
  });
  return { notifier, log };
}

function cancelled(overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  const at = new Date('2024-05-01T04:00:00.000Z');
  const requested = newAttempt({
    attemptId: '01NOTIFIERTEST000000000001',
    batchId: '01NOTIFIERTEST000000000001',
    teamId: 'T0TEAM',
    channelId: 'C0STOCKOPS',
    requesterId: 'U0ALICE',
    orderNo: 'RK2024050100001',
    wdtHost: 'wdt.wangdian.cn',
    state: 'requested',
    at,
  });
  return {
    ...advance(requested, 'cancelled', at, { reason: '<!channel> 重复入库', wdtStatus: 0 }),
    ...overrides,
  };
}

const HEAD = { seq: 42, hash: 'a'.repeat(64) };

describe('the Slack notifier', () => {
  it('posts the outcome in the request’s channel and a copy in the audit channel', async () => {
    const chat = fakeChat();
    const { notifier } = notifierWith(chat);

    const delivery = await notifier.publishOutcome(cancelled(), HEAD);

    expect(delivery).toEqual({
      via: 'channel',
      channelId: 'C0STOCKOPS',
      ts: expect.any(String),
      channelError: null,
    });
    expect(chat.calls.map((c) => [c.method, c.args.channel])).toEqual(
      expect.arrayContaining([
        ['postMessage', 'C0STOCKOPS'],
        ['postMessage', 'C0AUDIT'],
      ]),
    );
    expect(chat.calls).toHaveLength(2);
    const posted = JSON.stringify(chat.calls[0]!.args);
    expect(posted).toContain('RK2024050100001');
    expect(posted).not.toContain('<!channel>');
  });

  it('sends no copy when the audit channel is the request’s channel', async () => {
    const chat = fakeChat();
    await notifierWith(chat, 'C0STOCKOPS').notifier.publishOutcome(cancelled(), HEAD);
    expect(chat.calls.map((c) => c.method)).toEqual(['postMessage']);
  });

  it('tells the requester privately when the channel post fails, naming the Slack error', async () => {
    const chat = fakeChat({ postMessage: 'not_in_channel' });
    const { notifier, log } = notifierWith(chat, null);

    const delivery = await notifier.publishOutcome(cancelled(), HEAD);

    expect(delivery).toEqual({ via: 'ephemeral', channelId: null, ts: null, channelError: 'not_in_channel' });
    const ephemeral = chat.calls.find((c) => c.method === 'postEphemeral');
    expect(ephemeral?.args).toMatchObject({ channel: 'C0STOCKOPS', user: 'U0ALICE' });
    expect(String(ephemeral?.args.text)).toContain('RK2024050100001');
    expect(log.entries()).toContainEqual(
      expect.objectContaining({ slackError: 'not_in_channel', msg: 'post to the channel failed' }),
    );
  });

  it('falls back to a DM, and says when nobody could be told', async () => {
    const dm = fakeChat({ postEphemeral: 'channel_not_found' });
    dm.client.chat.postMessage = async (args) => {
      dm.calls.push({ method: 'postMessage', args: { ...args } });
      if (args.channel === 'C0STOCKOPS')
        throw Object.assign(new Error('x'), { data: { error: 'is_archived' } });
      return { channel: args.channel, ts: '17.9' };
    };
    expect(await notifierWith(dm, null).notifier.publishOutcome(cancelled(), HEAD)).toMatchObject({
      via: 'dm',
      channelError: 'is_archived',
    });
    expect(dm.calls.at(-1)?.args).toMatchObject({ channel: 'D0ALICE' });

    const nobody = fakeChat({
      postMessage: 'is_archived',
      postEphemeral: 'channel_not_found',
      open: 'user_not_found',
    });
    expect(await notifierWith(nobody, null).notifier.publishOutcome(cancelled(), HEAD)).toMatchObject({
      via: 'none',
    });
  });

  it('edits a batch’s message in place, copies the final one to the audit channel, and tells the requester when the edit fails', async () => {
    const chat = fakeChat();
    const { notifier } = notifierWith(chat);
    const where = await notifier.publishBatch([cancelled({ state: 'confirmed' })], { kind: 'running' });

    await notifier.updateBatch(where, [cancelled()], { kind: 'running' });
    expect(chat.calls.map((c) => c.method)).toEqual(['postMessage', 'update']);
    expect(chat.calls[1]!.args).toMatchObject({ channel: 'C0STOCKOPS', ts: where.ts });

    await notifier.updateBatch(where, [cancelled()], { kind: 'done', chainHead: HEAD });
    expect(chat.calls.slice(2).map((c) => [c.method, c.args.channel])).toEqual([
      ['postMessage', 'C0AUDIT'],
      ['update', 'C0STOCKOPS'],
    ]);

    const failing = fakeChat({ update: 'message_not_found' });
    await notifierWith(failing, null).notifier.updateBatch(where, [cancelled()], {
      kind: 'done',
      chainHead: HEAD,
    });
    expect(failing.calls.map((c) => c.method)).toEqual(['update', 'postEphemeral']);
  });
});
