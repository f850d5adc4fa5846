import { afterEach, describe, expect, it } from 'vitest';
import { owedFor } from '../../../src/core/owed-messages.js';
import type { AttemptRecord } from '../../../src/core/ports/audit.js';
import { systemClock } from '../../../src/core/ports/clock.js';
import { systemTimers } from '../../../src/core/ports/timers.js';
import { type SlackStandin, startSlackStandin } from '../../../src/local/slack-standin/web-api.js';
import { createLogger } from '../../../src/logger.js';
import { createSlackApiPoster, type SlackApiPoster } from '../../../src/slack/api-poster.js';
import { createSlackChatClient, ONE_TRY } from '../../../src/slack/chat-client.js';
import {
  createOutboxWorker,
  type OutboxSettings,
  type OutboxWorker,
} from '../../../src/slack/outbox/worker.js';
import { createSeals } from '../../../src/slack/private-metadata.js';
import { en } from '../../../src/slack/texts/en.js';
import { buildRecord, moved } from '../../support/audit-fixtures.js';
import { openMemoryAuditStore } from '../../support/memory-audit-store.js';
import { memoryLog } from '../../support/memory-log.js';
import { acceptedPosts, messagesWithKey, refusedPosts, slackOutage } from '../../support/outbox-e2e.js';
import { eventually } from '../../support/process-stack.js';

const CHANNEL = 'C0OPS';
const AUDIT_CHANNEL = 'C0AUDIT';

let standin: SlackStandin;
let api: SlackApiPoster;
const workers: OutboxWorker[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.stop();
  await api?.close();
  await standin?.close();
});

/**
 * The worker on real time against the Slack stand-in over HTTP (the bot's own poster, undici, JSON bodies,
 * Retry-After headers, metadata and history as Slack serves them), with short settings so faults pass fast.
 */
async function start(timeoutMs = 2_000, settings: Partial<OutboxSettings> = {}) {
  standin = await startSlackStandin();
  api = createSlackApiPoster({ token: 'xoxb-http-test', apiUrl: standin.apiUrl, timeoutMs });
  const store = openMemoryAuditStore();
  const log = memoryLog();
  const worker = (instanceId: string) => {
    const created = createOutboxWorker({
      audit: store,
      api,
      chat: createSlackChatClient(api, ONE_TRY),
      texts: en,
      environment: { host: 'wdt.wangdian.cn', kind: 'production' },
      seals: createSeals({ key: 'seal-key-for-tests', clock: systemClock, approvalTtlMs: 60_000 }),
      approvalTtlMs: 60_000,
      auditChannelId: AUDIT_CHANNEL,
      instanceId,
      timers: systemTimers,
      clock: systemClock,
      logger: createLogger({ level: 'info', destination: log.destination }),
      settings: { tickMs: 100, callTimeoutMs: timeoutMs, ...settings },
    });
    workers.push(created);
    return created;
  };
  const cancelled = async (): Promise<AttemptRecord> => {
    const first = buildRecord({ channelId: CHANNEL });
    let current = first;
    for (const state of ['requested', 'confirmed', 'calling'] as const) {
      const next = state === 'requested' ? first : moved(current, state);
      expect(
        (
          await store.write(
            [{ from: state === 'requested' ? null : current.state, record: next }],
            new Date(),
          )
        ).ok,
      ).toBe(true);
      current = next;
    }
    const done = moved(current, 'cancelled');
    const owed = owedFor(done, { outcome: true });
    expect((await store.write([{ from: 'calling', record: done }], new Date(), owed)).ok).toBe(true);
    return done;
  };
  return { store, log, worker, cancelled };
}

describe('the outbox worker against the Slack stand-in over HTTP', () => {
  it('Slack 503 for a while: posts once after healing, with its key, and its audit copy once', async () => {
    const t = await start();
    const record = await t.cancelled();
    const { healsAt } = slackOutage(standin, { httpStatus: 503, forMs: 3_000 });
    t.worker('I0HTTP').start();
    const key = new RegExp(`^outcome:${record.attemptId}:cancelled$`);
    const delivered = await eventually(() => acceptedPosts(standin, key)[0], 15_000);
    expect(delivered.at.getTime()).toBeGreaterThanOrEqual(healsAt - 50);
    // Each retry after a 503 first looks for an earlier post (refused too while Slack is down).
    const refused = standin.calls.filter((c) => c.fault !== undefined && c.args.channel === CHANNEL);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refusedPosts(standin, CHANNEL).length).toBeGreaterThanOrEqual(1);
    await eventually(() => messagesWithKey(standin, /^audit-outcome:/).length === 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(messagesWithKey(standin, key)).toHaveLength(1);
    // Each retry after a 503 looked for an earlier post first, through conversations.history.
    expect(standin.callsTo('conversations.history').length).toBeGreaterThanOrEqual(1);
    expect(await t.store.findAttempt(record.attemptId)).toMatchObject({
      notifiedVia: 'channel',
      slackChannelId: CHANNEL,
    });
  });

  it('a post whose answer never came back (Slack slower than the timeout) is found in the history, not posted twice', async () => {
    // Slack acts on the post 3 s after it came, long after the bot stopped waiting (undici checks its timeouts
    // about once a second); the bot looks again only after `lostAnswerWaitMs`.
    const t = await start(500, { lostAnswerWaitMs: 4_000 });
    standin.faults.set('chat.postMessage', { delayMs: 3_000, times: 1 });
    const record = await t.cancelled();
    t.worker('I0HTTP').start();
    const key = new RegExp(`^outcome:${record.attemptId}:cancelled$`);
    await eventually(async () => (await t.store.findAttempt(record.attemptId))?.slackTs, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(messagesWithKey(standin, key)).toHaveLength(1);
    expect(standin.callsTo('chat.postMessage').filter((c) => c.args.channel === CHANNEL)).toHaveLength(1);
    expect(t.log.text()).toContain('outbox message was posted already: not again');
  });

  it('429 with Retry-After: waits as long as Slack says, then posts once', async () => {
    const t = await start();
    standin.faults.set('chat.postMessage', { httpStatus: 429, retryAfterSec: 2, times: 1 });
    const record = await t.cancelled();
    t.worker('I0HTTP').start();
    const key = new RegExp(`^outcome:${record.attemptId}:cancelled$`);
    const delivered = await eventually(() => acceptedPosts(standin, key)[0], 15_000);
    const [limited] = refusedPosts(standin, CHANNEL);
    expect(delivered.atMs - limited!.atMs).toBeGreaterThanOrEqual(1_950);
    expect(messagesWithKey(standin, key)).toHaveLength(1);
  });
});
