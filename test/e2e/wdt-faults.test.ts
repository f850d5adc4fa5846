import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import type { AttemptState } from '../../src/core/ports/audit.js';
import { type LocalStack, startLocalStack } from '../../src/local/demo/local-stack.js';
import type { SandboxFaults } from '../../src/local/wdt-standin/server.js';
import { CANCEL, cancelsOf, windowClosesAt } from '../support/wdt-sandbox.js';

const ORDER = 'RK2006030008';
const TIMEOUT_MS = 600;

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

interface FaultCase {
  name: string;
  faults: SandboxFaults;
  env?: Record<string, string>;
  state: AttemptState;
  shows: string[];
  cancelled: boolean;
  calls: number;
}

const cases: FaultCase[] = [
  {
    name: 'slow, just under the timeout',
    faults: { latencyMs: TIMEOUT_MS - 250 },
    state: 'cancelled',
    shows: ['Cancelled'],
    cancelled: true,
    calls: 1,
  },
  {
    // WDT answers long after the bot gave up: the order is still open while the test reads it.
    name: 'slow, past the timeout',
    faults: { latencyMs: 30_000 },
    state: 'awaiting_verdict',
    shows: ['Outcome not known yet', 'The order stays locked', 'could still reach WDT until'],
    cancelled: false,
    calls: 1,
  },
  {
    name: 'hang',
    faults: { hang: true },
    state: 'awaiting_verdict',
    shows: ['Outcome not known yet'],
    cancelled: false,
    calls: 1,
  },
  {
    name: 'connection reset after the request was sent',
    faults: { resetAfterRequest: true },
    state: 'awaiting_verdict',
    shows: ['Outcome not known yet'],
    cancelled: false,
    calls: 1,
  },
  {
    name: 'HTTP 502 HTML page',
    faults: { http502Html: true },
    state: 'awaiting_verdict',
    shows: ['Outcome not known yet'],
    cancelled: false,
    calls: 1,
  },
  {
    name: '200 with a non-JSON body',
    faults: { nonJson: true },
    state: 'awaiting_verdict',
    shows: ['Outcome not known yet'],
    cancelled: false,
    calls: 1,
  },
  {
    name: 'empty body',
    faults: { emptyBody: true },
    state: 'awaiting_verdict',
    shows: ['Outcome not known yet'],
    cancelled: false,
    calls: 1,
  },
  {
    name: 'JSON without status',
    faults: { missingStatus: true },
    state: 'awaiting_verdict',
    shows: ['Outcome not known yet'],
    cancelled: false,
    calls: 1,
  },
  {
    name: 'code-only error',
    faults: { codeOnly: true },
    state: 'refused',
    shows: ['Refused by WDT', '2102'],
    cancelled: false,
    calls: 1,
  },
  {
    name: 'rate limited past the retry bound',
    faults: { rateLimitNext: 10 },
    state: 'refused',
    shows: ['rate limiting', '超过每分钟最大'],
    cancelled: false,
    calls: 3,
  },
  {
    name: 'rate limited twice, then through',
    faults: { rateLimitNext: 2 },
    state: 'cancelled',
    shows: ['Cancelled'],
    cancelled: true,
    calls: 3,
  },
  {
    // WDT refuses the status check under the lock too (status 1), so nothing is sent; the operator must
    // still be told it looks like configuration, not like something to try again.
    name: 'bad sign (wrong secret configured)',
    faults: {},
    env: { WDT_APP_SECRET: 'wrong-secret:sandbox-salt-77e2' },
    state: 'failed',
    shows: ['Failed before reaching WDT', 'configuration problem'],
    cancelled: false,
    calls: 0,
  },
];

describe('WDT misbehaving during a confirmed cancel', () => {
  it.each(cases)(
    '$name → $state, never more calls than allowed',
    async (c) => {
      stack = await startLocalStack({ env: { WDT_TIMEOUT_MS: String(TIMEOUT_MS), ...c.env } });
      const s = stack;
      await s.command(ORDER);
      const view = await s.openedView();
      s.wdt.faults.set(c.faults, CANCEL);
      await s.submit(view, c.name);
      const post = await s.slack.waitFor('chat.postMessage', { timeoutMs: 10_000 });
      const posted = JSON.stringify(post.args.blocks);
      for (const text of c.shows) expect(posted).toContain(text);
      expect(s.wdt.calls.filter((call) => call.method === CANCEL)).toHaveLength(c.calls);
      expect(s.wdt.orders.get(ORDER)?.status).toBe(c.cancelled ? 10 : 20);

      await s.slack.waitFor('views.update');
      const store = openSqliteAuditStore({ path: s.auditDbPath });
      try {
        const events = (await store.orderHistory(ORDER)).map((e) => e.event);
        expect(events.slice(0, 4)).toEqual(['requested', 'confirmed', 'calling', c.state]);
        const held = await store.heldCalls();
        if (c.state === 'awaiting_verdict') {
          // No answer is no verdict: the order stays locked until WDT can no longer accept the request.
          expect(held.map((call) => call.record.state)).toEqual(['awaiting_verdict']);
          const verdictAfter = Date.parse(held[0]!.record.verdictAfter ?? '');
          expect(verdictAfter).toBeGreaterThanOrEqual(windowClosesAt(cancelsOf(s.wdt, ORDER)[0]!));
        } else {
          expect(held).toEqual([]);
        }
      } finally {
        await store.close();
      }
    },
    20_000,
  );
});
