import type { ViewOutput } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import { LOCAL_SIGNING_SECRET, type LocalStack, startLocalStack } from '../../src/local/demo/local-stack.js';
import {
  buildViewSubmissionPayload,
  encodeInteractivePayload,
} from '../../src/local/slack-standin/payloads.js';
import { postToBolt } from '../../src/local/slack-standin/post-to-bolt.js';
import { ConfirmModal } from '../../src/slack/ids.js';
import { type SealPurpose, sealMetadata } from '../../src/slack/private-metadata.js';
import { en } from '../../src/slack/texts/en.js';

const ORDER = 'RK2006030008';

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

type Tamper = (view: ViewOutput) => { view: ViewOutput; values: ViewOutput['state']['values'] };
const reason = <T>(value: T) => ({
  [ConfirmModal.reasonBlock]: { [ConfirmModal.reasonAction]: { type: 'plain_text_input', value } },
});

/** The view's own attempt ids, sealed again with the bot's real key: for another purpose, or already expired. */
function resealed(view: ViewOutput, purpose: SealPurpose, expiresAt: Date): string {
  const body = view.private_metadata.split('.')[0] ?? '';
  const { ids } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { ids: string[] };
  return sealMetadata(LOCAL_SIGNING_SECRET, purpose, { attemptIds: ids }, expiresAt);
}
const inAnHour = () => new Date(Date.now() + 60 * 60_000);

const cases: { name: string; tamper: Tamper; action: string; message?: string }[] = [
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
    name: 'a genuine seal made for the approval buttons (19.10)',
    tamper: (view) => ({
      view: { ...view, private_metadata: resealed(view, 'approval', inAnHour()) },
      values: reason('x'),
    }),
    action: 'errors',
    message: en.sealWrongPurpose,
  },
  {
    name: 'a genuine confirmation seal that has expired (19.10)',
    tamper: (view) => ({
      view: { ...view, private_metadata: resealed(view, 'confirm', new Date(Date.now() - 1_000)) },
      values: reason('x'),
    }),
    action: 'errors',
    message: en.sealExpired,
  },
  {
    name: 'an unknown callback id',
    tamper: (view) => ({ view: { ...view, callback_id: 'something_else' }, values: reason('x') }),
    action: 'update',
  },
];

describe('malformed view submissions', () => {
  it.each(cases)(
    '$name: refused with a clear message, nothing changes',
    async ({ tamper, action, message }) => {
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
      if (message) expect(JSON.stringify(answer.json)).toContain(message);
      else expect(JSON.stringify(answer.json)).toMatch(/does not match any request|Please give a reason/);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(s.wdt.calls.filter((c) => c.method === 'wms.stockin.Purchase.cancel')).toHaveLength(0);
      const store = openSqliteAuditStore({ path: s.auditDbPath });
      try {
        expect((await store.orderHistory(ORDER)).map((e) => e.event)).toEqual(['requested']);
      } finally {
        await store.close();
      }
    },
  );
});
