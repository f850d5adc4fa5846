/**
 * `npm run soak -- [--minutes 10]`: the real bot process under mixed traffic — valid cancels, invalid input,
 * WDT and Slack faults — for a fixed time, on loopback only. Reports RSS at start, peak and end, unhandled
 * rejections, and whether every accepted confirmation reached a final, recorded outcome. Exits 1 if not.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { openSqliteAuditStore } from '../src/audit/sqlite/store.js';
import { FINAL_STATES } from '../src/core/attempt.js';
import type { AttemptState } from '../src/core/ports/audit.js';
import { STOCKIN_STATUS } from '../src/core/purchase-stockin.js';
import type { SandboxFaults, SandboxOrder } from '../src/local/wdt-standin/server.js';
import { startProcessStack } from '../test/support/process-stack.js';

const CANCEL = 'wms.stockin.Purchase.cancel';
const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' } } });
const durationMs = Number(values.minutes) * 60_000;
const CONCURRENCY = 4;

const WDT_MOODS: SandboxFaults[] = [
  {},
  {},
  { latencyMs: 50 },
  { http500Html: true },
  { rateLimitNext: 2 },
  { resetAfterRequest: true },
  { latencyMs: 2_500 },
  { nonJson: true },
];
const INVALID = ['hello', 'RK 2006030008', '<!channel>', 'RK2006\u200b030008', 'x'.repeat(3000), '', 'help'];

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

function seedOrder(n: number): SandboxOrder {
  const now = new Date();
  return {
    stockinId: 500_000 + n,
    stockinNo: `RK9${String(n).padStart(9, '0')}`,
    status: STOCKIN_STATUS.editing,
    warehouseNo: 'SOAK-01',
    purchaseId: 900_000 + n,
    purchaseNo: `CG9${String(n).padStart(9, '0')}`,
    providerNo: 'GYS-SOAK',
    providerName: '压测供应商',
    remark: '',
    operatorName: 'soak',
    createdAt: now,
    modifiedAt: now,
    details: [],
  };
}

async function main(): Promise<void> {
  // The compiled bot, as production runs it (the soak builds it first: `npm run soak` has a presoak build).
  const stack = await startProcessStack({ WDT_TIMEOUT_MS: '1500' }, { compiled: true });
  const bot = await stack.spawn();
  const pid = bot.child.pid!;
  const rss = { start: await rssMb(pid), peak: 0, end: 0 };
  const sampler = setInterval(async () => {
    rss.peak = Math.max(rss.peak, await rssMb(pid).catch(() => 0));
  }, 500);
  const confirmed = new Set<string>();
  let invalid = 0;
  let turnedAway = 0;
  let n = 0;
  const stopAt = Date.now() + durationMs;

  const moodTimer = setInterval(() => {
    stack.wdt.faults.reset();
    stack.wdt.faults.set(WDT_MOODS[Math.floor(Math.random() * WDT_MOODS.length)]!, CANCEL);
    stack.slack.faults.clear();
    if (Math.random() < 0.2) stack.slack.faults.set('chat.postMessage', { httpStatus: 503, times: 1 });
    if (Math.random() < 0.1)
      stack.slack.faults.set('chat.postMessage', { httpStatus: 429, retryAfterSec: 1, times: 1 });
  }, 3_000);

  async function worker(): Promise<void> {
    while (Date.now() < stopAt) {
      n += 1;
      if (n % 3 === 0) {
        const text = INVALID[n % INVALID.length]!;
        const answer = await bot.driver.command(text);
        if (answer.statusCode !== 200) throw new Error(`invalid input answered ${answer.statusCode}`);
        invalid += 1;
        continue;
      }
      const order = seedOrder(n);
      stack.wdt.orders.set(order.stockinNo, order);
      const triggerId = `${Date.now()}.${n}.soak`;
      const ack = await bot.driver.command(order.stockinNo, undefined, undefined, triggerId);
      if (ack.json !== undefined) {
        // Back-pressure: "too busy" in the ack. Try again shortly, as a person would.
        turnedAway += 1;
        await sleep(100);
        continue;
      }
      const view = await bot.driver.openedView(triggerId);
      const answer = await bot.driver.submit(view, `soak ${n}`);
      if (answer.statusCode !== 200) throw new Error(`submission answered ${answer.statusCode}`);
      confirmed.add(order.stockinNo);
    }
  }

  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  clearInterval(moodTimer);
  stack.wdt.faults.reset();
  await new Promise((resolve) => setTimeout(resolve, 20_000));
  clearInterval(sampler);
  rss.end = await rssMb(pid);

  const store = openSqliteAuditStore({ path: stack.auditDbPath });
  const unfinished: string[] = [];
  for (const orderNo of confirmed) {
    const history = await store.orderHistory(orderNo);
    const last = [...history].reverse().find((e) => e.event !== 'notified');
    if (!last || !FINAL_STATES.includes(last.event as AttemptState)) unfinished.push(orderNo);
  }
  const verdict = await store.verifyChain();
  await store.close();
  const unhandled = bot.lines.filter((line) => line.includes('unhandled rejection')).length;
  await stack.stop();

  const report = {
    minutes: Number(values.minutes),
    confirmations: confirmed.size,
    invalidCommands: invalid,
    commandsTurnedAway: turnedAway,
    wdtCalls: stack.wdt.calls.length,
    rssMb: { start: +rss.start.toFixed(1), peak: +rss.peak.toFixed(1), end: +rss.end.toFixed(1) },
    unhandledRejections: unhandled,
    unfinishedConfirmations: unfinished.length,
    chainIntact: verdict.ok,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = unhandled === 0 && unfinished.length === 0 && verdict.ok ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
