import type { ViewOutput } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { LOCAL_SIGNING_SECRET, type LocalStack, startLocalStack } from '../../src/demo/local-stack.js';
import { ConfirmModal } from '../../src/slack/ids.js';
import { postToBolt } from '../../src/standin/post-to-bolt.js';
import { buildViewSubmissionPayload, encodeInteractivePayload } from '../../src/standin/slack-payloads.js';

const ORDER = 'RK2006030008';

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

type Tamper = (view: ViewOutput) => { view: ViewOutput; values: ViewOutput['state']['values'] };
const reason = (value: unknown) => ({
  [ConfirmModal.reasonBlock]: { [ConfirmModal.reasonAction]: { type: 'plain_text_input', value } },
});

const cases: { name: string; tamper: Tamper; action: string }[] = [
  { name: 'no state at all', tamper: (view) => ({ view, values: {} }), action: 'errors' },
  {
    name: 'the reason as a number',
    tamper: (view) => ({ view, values: reason(42) as never }),
    action: 'errors',
  },
  { name: 'the reason block renamed', tamper: (view) => ({ view, values: { other: {} } }), action: 'errors' },
  {
    name: 'tampered private_metadata',
    tamper: (view) => ({
      view: { ...view, private_metadata: `${view.private_metadata.slice(0, -3)}AAA` },
      values: reason('x'),
    }),
    action: 'errors',
  },
  {
    name: 'private_metadata from another workspace key',
    tamper: (view) => ({
      view: { ...view, private_metadata: 'eyJ2IjoxfQ.bm90LWEtbWFj' },
      values: reason('x'),
    }),
    action: 'errors',
  },
  {
    name: 'an unknown callback id',
    tamper: (view) => ({ view: { ...view, callback_id: 'something_else' }, values: reason('x') }),
    action: 'update',
  },
];

describe('malformed view submissions', () => {
  it.each(cases)('$name: refused with a clear message, nothing changes', async ({ tamper, action }) => {
    stack = await startLocalStack();
    const s = stack;
    await s.command(ORDER);
    const opened = await s.openedView();
    const { view, values } = tamper(opened);
    const payload = buildViewSubmissionPayload({ view, values });
    const answer = await postToBolt(s.url, encodeInteractivePayload(payload), {
      signingSecret: LOCAL_SIGNING_SECRET,
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.json).toMatchObject({ response_action: action });
    expect(JSON.stringify(answer.json)).toMatch(/does not match any request|Please give a reason/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.wdt.calls.filter((c) => c.method === 'wms.stockin.Purchase.cancel')).toHaveLength(0);
    const store = openSqliteAuditStore({ path: s.auditDbPath });
    try {
      expect((await store.orderHistory(ORDER)).map((e) => e.event)).toEqual(['requested']);
    } finally {
      await store.close();
    }
  });
});
