import { describe, expect, it } from 'vitest';
import { DEFAULT_ACTOR } from '../../src/local/slack-standin/payloads.js';
import { en } from '../../src/slack/texts/en.js';
import { zhCN } from '../../src/slack/texts/zh-cn.js';
import { localStackPerTest } from '../support/local-stack-per-test.js';
import { eventually } from '../support/process-stack.js';

const WANG = { id: 'U0WANGFANG1', name: 'wang.fang' };

const start = localStackPerTest();

describe("each person's language", () => {
  it('App Home, dialogs and private replies follow the Slack locale; the channel keeps BOT_LOCALE', async () => {
    const s = await start({
      env: { BOT_LOCALE: 'en', CANCEL_ALLOWED_USERS: `${DEFAULT_ACTOR.id},${WANG.id}` },
      userLocales: { [WANG.id]: 'zh-CN', [DEFAULT_ACTOR.id]: 'en-GB' },
    });
    await s.driver.openHome(WANG);
    await s.slack.waitFor('users.info', { timeoutMs: 5_000 });
    await eventually(async () => {
      await s.driver.openHome(WANG);
      return JSON.stringify(s.slack.homeViews.get(WANG.id)?.blocks ?? []).includes(zhCN.homeTitle);
    });

    await s.command('RK2006030008', WANG);
    const view = await s.openedView();
    expect(view.title.text).toBe(zhCN.modalTitle);
    await s.submit(view, '到货与采购单不符', WANG);
    const post = await s.slack.waitFor('chat.postMessage', { timeoutMs: 5_000 });
    // The channel has many readers: BOT_LOCALE.
    expect(JSON.stringify(post.args.blocks)).toContain(en.stateHeadline.cancelled);
    expect(JSON.stringify(post.args.blocks)).toContain('20 编辑中 (editing) → 10 已取消 (cancelled)');
  });

  it('a failed users.info leaves BOT_LOCALE, silently', async () => {
    const s = await start({ env: { BOT_LOCALE: 'zh-CN' } });
    s.slack.faults.set('users.info', { error: 'ratelimited', times: 5 });
    await s.command('hello');
    await s.slack.waitFor('users.info', { timeoutMs: 5_000 });
    const reply = await s.command('hello');
    expect(String((reply.json as { text?: string }).text)).toContain('不是入库单号');
  });
});
