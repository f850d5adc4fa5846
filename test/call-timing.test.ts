import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callTimings } from '../src/call-timing.js';
import { lookupOrder } from '../src/core/order-lookup.js';
import { systemClock } from '../src/core/ports/clock.js';
import { SANDBOX_CREDENTIALS, startWdtSandbox, type WdtSandbox } from '../src/local/wdt-standin/server.js';
import { createWdtClient, type WdtClient } from '../src/wdt/client.js';
import { WDT_METHOD } from '../src/wdt/methods.js';
import { resyncOnTimestampRefusal } from '../src/wdt/resync-on-timestamp-refusal.js';
import { SkewClock } from '../src/wdt/skew-clock.js';
import { OPEN_FENCE } from './support/open-fence.js';

const TIMEOUT_MS = 100;
const timings = callTimings({ WDT_TIMEOUT_MS: TIMEOUT_MS, LOOKUP_DAYS: 30, MAX_BATCH: 20 }, 2);

let sandbox: WdtSandbox;
let client: WdtClient;

beforeEach(async () => {
  sandbox = await startWdtSandbox({ port: 0 });
});
afterEach(async () => {
  await client?.close();
  await sandbox.close();
});

/** The real client on the sandbox, with its real retry rules (only the timeout is short). */
function realClient(clock = new SkewClock({ base: systemClock, logger: pino({ level: 'silent' }) })) {
  client = createWdtClient({
    baseUrl: sandbox.url,
    ...SANDBOX_CREDENTIALS,
    timeoutMs: TIMEOUT_MS,
    clock,
    logger: pino({ level: 'silent' }),
  });
  return { wdt: resyncOnTimestampRefusal(client, clock), clock };
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

describe('the bounds of one call, from the client’s own retry rules', () => {
  it('a cancel refused for its timestamp, resent after a clock resync that was rate-limited twice, stays within sendMs', async () => {
    const { wdt } = realClient();
    // Every answer slow (just under the timeout), two rate-limit refusals, then WDT's clock is ten minutes off.
    sandbox.faults.set({ latencyMs: TIMEOUT_MS - 20, rateLimitNext: 2, clockOffsetSec: 600 });
    const elapsed = await timed(() => wdt.cancelStockin('RK2006030008', OPEN_FENCE));
    const cancels = sandbox.calls.filter((call) => call.method === WDT_METHOD.cancelStockin);
    // Refused for its timestamp, then (after reading WDT's clock through two rate-limit waits) resent.
    expect(cancels.map((call) => call.status)).toEqual([7, 0]);
    expect(sandbox.calls.filter((call) => call.method === WDT_METHOD.serverTime).length).toBe(3);
    console.info(`worst cancel here: ${Math.round(elapsed)} ms, bound ${timings.sendMs} ms`);
    expect(elapsed).toBeLessThan(timings.sendMs);
  });

  it('the status check, every look-up window rate-limited to its last attempt, stays within checkMs', async () => {
    const { wdt } = realClient();
    sandbox.faults.set({ latencyMs: TIMEOUT_MS - 20, rateLimitNext: 4 }, WDT_METHOD.queryStockin);
    const elapsed = await timed(() => lookupOrder(wdt, 'RK2006039999', { now: new Date(), days: 30 }));
    console.info(`worst check here: ${Math.round(elapsed)} ms, bound ${timings.checkMs} ms`);
    expect(elapsed).toBeLessThan(timings.checkMs);
    expect(timings.longestCallMs).toBe(timings.checkMs + timings.sendMs);
  });
});
