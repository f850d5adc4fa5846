import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import { type LocalStack, startLocalStack } from '../../src/local/demo/local-stack.js';
import { DEFAULT_ACTOR } from '../../src/local/slack-standin/payloads.js';
import { WDT_METHOD } from '../../src/wdt/methods.js';
import { eventually } from '../support/process-stack.js';
import { metricDelta, scrapeMetrics } from '../support/prometheus-text.js';

const MALLORY = { id: 'U0MALLORY1', name: 'mallory' };
const PEER = { id: 'U0PEERAPPR', name: 'peer' };
const P = 'cancel_stockin_';

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const baseOf = (s: LocalStack) => new URL('/', s.url).toString();

async function auditEntryCount(
  s: LocalStack,
): Promise<{ entries: number; calling: number; postedNotes: number }> {
  const store = openSqliteAuditStore({ path: s.auditDbPath });
  try {
    let entries = 0;
    let calling = 0;
    let postedNotes = 0;
    for await (const entry of store.entries()) {
      entries += 1;
      if (entry.event === 'calling') calling += 1;
      if (entry.event === 'notified' && entry.record.notifiedVia === 'channel') postedNotes += 1;
    }
    return { entries, calling, postedNotes };
  } finally {
    await store.close();
  }
}

const wdtCallsByMethod = (s: LocalStack, method: string) =>
  s.wdt.calls.filter((c) => c.method === method).length;

describe('/metrics after real flows', () => {
  it('moves each counter by exactly what happened', async () => {
    stack = await startLocalStack();
    const s = stack;
    const before = await scrapeMetrics(baseOf(s));
    const wdtBefore = Object.values(WDT_METHOD).map((m) => wdtCallsByMethod(s, m));
    // The default process metrics are there too.
    expect(before.has('process_cpu_user_seconds_total')).toBe(true);
    expect(before.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);

    // One cancel that goes through.
    await s.command('RK2006030008');
    await s.submit(await s.openedView(), 'wrong goods');
    await s.slack.waitFor(
      (c) => c.method === 'chat.postMessage' && JSON.stringify(c.args).includes('RK2006030008'),
    );
    // One that WDT refuses, whose channel post fails once (the outcome then goes by DM).
    s.wdt.faults.set({ codeOnly: true }, WDT_METHOD.cancelStockin);
    s.slack.faults.set('chat.postMessage', { error: 'not_in_channel', times: 1 });
    await s.command('RK2006030009');
    await s.submit(await s.openedView(), 'duplicate');
    await eventually(async () => (await auditEntryCount(s)).entries === 10);
    // One denied, one bad input, one help.
    await s.command('RK2006030010', MALLORY);
    await s.command('hello');
    await s.command('help');
    // An operator command from someone who is not an operator: counted as an operator command, and refused.
    await s.command('status');

    // Two attempts of five entries each (requested, confirmed, calling, outcome, notified), two denied.
    await eventually(async () => (await auditEntryCount(s)).entries === 12);
    const after = await scrapeMetrics(baseOf(s));
    const moved = (key: string) => metricDelta(before, after, key);

    expect(moved(`${P}commands_total{result="admitted"}`)).toBe(2);
    expect(moved(`${P}commands_total{result="denied"}`)).toBe(1);
    expect(moved(`${P}commands_total{result="bad_input"}`)).toBe(1);
    expect(moved(`${P}commands_total{result="help"}`)).toBe(1);
    expect(moved(`${P}commands_total{result="operator"}`)).toBe(1);
    expect(moved(`${P}commands_total{result="shed"}`)).toBe(0);
    expect(moved(`${P}commands_total{result="failed"}`)).toBe(0);

    expect(moved(`${P}cancels_total{outcome="cancelled"}`)).toBe(1);
    expect(moved(`${P}cancels_total{outcome="refused"}`)).toBe(1);
    // Mallory's request and the refused operator command are both recorded as denied attempts.
    expect(moved(`${P}cancels_total{outcome="denied"}`)).toBe(2);
    for (const outcome of [
      'failed',
      'unknown',
      'rate_limited',
      'reconciled_cancelled',
      'reconciled_not_cancelled',
      'released_unverified',
    ]) {
      expect(moved(`${P}cancels_total{outcome="${outcome}"}`)).toBe(0);
    }

    const cancel = WDT_METHOD.cancelStockin;
    expect(moved(`${P}wdt_calls_total{method="${cancel}",result="ok"}`)).toBe(1);
    expect(moved(`${P}wdt_calls_total{method="${cancel}",result="refused"}`)).toBe(1);
    Object.values(WDT_METHOD).forEach((method, i) => {
      const made = wdtCallsByMethod(s, method) - wdtBefore[i]!;
      const counted = ['ok', 'refused', 'rate_limited', 'not_sent', 'unknown', 'protocol_error']
        .map((result) => moved(`${P}wdt_calls_total{method="${method}",result="${result}"}`))
        .reduce((a, b) => a + b, 0);
      expect(counted, method).toBe(made);
      expect(moved(`${P}wdt_call_seconds_count{method="${method}"}`), method).toBe(made);
    });
    expect(wdtCallsByMethod(s, WDT_METHOD.queryStockin) - wdtBefore[1]!).toBeGreaterThan(0);

    expect(moved(`${P}slack_api_errors_total{method="chat.postMessage",error="not_in_channel"}`)).toBe(1);

    // Every entry but the `calling` ones is a write of its own; a confirmation and its call's start are one.
    // Each signed cancel is one more: its fence, a transaction that records until when WDT may accept it.
    // A channel post's `notified` is written with its delivery's settlement, an outbox write not timed here.
    const { entries, calling, postedNotes } = await auditEntryCount(s);
    const fences = wdtCallsByMethod(s, cancel) - wdtBefore[Object.values(WDT_METHOD).indexOf(cancel)]!;
    expect(fences).toBe(2);
    expect(postedNotes).toBe(1);
    expect(moved(`${P}audit_append_seconds_count`)).toBe(entries - calling + fences - postedNotes);
    expect(after.get(`${P}audit_store_up`)).toBe(1);
    expect(after.get(`${P}calls_in_flight`)).toBe(0);
    expect(after.get(`${P}stuck_calls`)).toBe(0);
    expect(after.get(`${P}pending_approvals`)).toBe(0);
  });

  it('counts an approval request waiting for a second person', async () => {
    stack = await startLocalStack({
      env: { APPROVAL_MODE: 'peer', CANCEL_APPROVERS: PEER.id, CANCEL_ALLOWED_USERS: DEFAULT_ACTOR.id },
    });
    const s = stack;
    await s.command('RK2006030008');
    await s.submit(await s.openedView(), 'needs a second look');
    await s.slack.waitFor('chat.postMessage');
    // The store-backed gauges are read at most every few seconds: wait for a fresh reading.
    await eventually(async () => (await scrapeMetrics(baseOf(s))).get(`${P}pending_approvals`) === 1, 20_000);
  });
});

describe('/metrics access and listen address', () => {
  it('asks for the bearer token when METRICS_TOKEN is set', async () => {
    const token = 'metrics-token-for-the-test-0123';
    stack = await startLocalStack({ env: { METRICS_TOKEN: token } });
    const base = baseOf(stack);
    expect((await fetch(new URL('/metrics', base))).status).toBe(401);
    const wrong = await fetch(new URL('/metrics', base), { headers: { authorization: `Bearer ${token}x` } });
    expect(wrong.status).toBe(401);
    const right = await fetch(new URL('/metrics', base), { headers: { authorization: `Bearer ${token}` } });
    expect(right.status).toBe(200);
    expect(right.headers.get('content-type')).toContain('text/plain');
    expect(await right.text()).toContain(`# TYPE ${P}commands_total counter`);
    // Health stays open to the orchestrator.
    expect((await fetch(new URL('/healthz', base))).status).toBe(200);
  });

  it('listens on HOST only', async () => {
    stack = await startLocalStack({ env: { HOST: '127.0.0.2' } });
    const port = new URL(stack.url).port;
    const metrics = await scrapeMetrics(`http://127.0.0.2:${port}/`);
    expect(metrics.has(`${P}commands_total{result="admitted"}`)).toBe(true);
    await expect(connects('127.0.0.1', Number(port))).resolves.toBe(false);
  });
});

/** Whether a TCP connection to host:port is accepted. */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
