// Diagnostic, not part of `npm run bench`: CPU time per request of built bots (this checkout and others, e.g.
// a worktree of an older commit, each built with `npm run build`) on the bench's harness, interleaved, read
// from /proc (10 ms ticks) as `npm run bench` reads it. For comparing builds; the bench judges one.
//   npx tsx bench/cpu-probe.ts --root /path/a --root /path/b [--floor] [--rounds 3] [--secs 5] [--c 200]
//     [--rate R: paced to R req/s] [--only command|confirm] [--confirm 300] [--confirm-c 50]
//     [--no-warmup] [--prof dir: --cpu-prof profiles of each bot]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ViewOutput } from '@slack/bolt';
import { ConfirmModal } from '../src/slack/ids.js';
import { CommandLoadThread } from './lib/command-load-thread.js';
import { readCpuTime } from './lib/cpu-time.js';
import { runClosedLoop } from './lib/load-generator.js';
import { type ServerProcess, startServerProcess } from './lib/node-process.js';
import { BENCH_SIGNING_SECRET, benchOrders, COMMAND_ORDER_NO, startBenchServices } from './lib/services.js';
import { confirmSubmissionRequest, slashCommandRequest, turnedAway } from './lib/slack-requests.js';

const argv = process.argv.slice(2);
const all = (flag: string) => argv.flatMap((a, i) => (a === flag ? [argv[i + 1]!] : []));
const one = (flag: string, d: string) => all(flag)[0] ?? d;
const roots = all('--root');
const rounds = Number(one('--rounds', '3'));
const secs = Number(one('--secs', '5'));
const conc = Number(one('--c', '200'));
const confirmN = Number(one('--confirm', '300'));
const confirmC = Number(one('--confirm-c', '50'));
const prof = all('--prof')[0];
const only = one('--only', 'both');

const services = await startBenchServices();
const work = await mkdtemp(join(tmpdir(), 'cpu-probe-'));
const bots: { root: string; proc: ServerProcess }[] = [];
for (const [i, root] of roots.entries()) {
  const args = ['--max-semi-space-size=4'];
  if (prof) args.push('--cpu-prof', `--cpu-prof-dir=${prof}/${i}`);
  args.push(join(root, 'dist/src/main.js'));
  const proc = await startServerProcess({
    args,
    env: { LOG_LEVEL: 'info', ...services.botEnv, AUDIT_DB_PATH: join(work, `audit-${i}.db`) },
    logFile: join(work, `bot-${i}.log`),
  });
  bots.push({ root, proc });
}
if (argv.includes('--floor')) {
  const { startFloor } = await import('./lib/targets-process.js');
  bots.push({ root: 'floor', proc: await startFloor(services.botEnv, work) });
}
const load = new CommandLoadThread();

async function drain(fromCalls: number, admitted: number) {
  const deadline = Date.now() + 15_000;
  const count = () => services.slack.calls.slice(fromCalls).filter((c) => c.method === 'views.update').length;
  while (count() < admitted && Date.now() < deadline) await sleep(50);
  await sleep(300);
}

async function commandRun(bot: ServerProcess, c: number, ms: number) {
  const from = services.slack.calls.length;
  const before = readCpuTime(bot.pid);
  const { result, answers } = await load.run({
    origin: bot.origin,
    concurrency: c,
    durationMs: ms,
    signingSecret: BENCH_SIGNING_SECRET,
    orderNo: COMMAND_ORDER_NO,
    responseUrlPrefix: services.slack.responseUrl(''),
    recordSends: false,
  });
  const admitted = answers.filter((a) => a?.admitted).length;
  if (bot !== bots.find((b) => b.root === 'floor')?.proc) await drain(from, admitted);
  else await sleep(300);
  const after = readCpuTime(bot.pid);
  const proc = after.allMs - before.allMs;
  const main = after.mainMs - before.mainMs;
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  const lat = answers.map((a) => a?.latencyMs ?? 0);
  const p99of = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? Number.NaN;
  const head = Math.floor(lat.length * 0.05);
  // Where the slowest 1 % sit: share of them in each tenth of the run (by send order).
  const cut = sorted[Math.floor(sorted.length * 0.99)]!;
  const tenths = Array.from(
    { length: 10 },
    (_, t) =>
      lat
        .slice(Math.floor((t * lat.length) / 10), Math.floor(((t + 1) * lat.length) / 10))
        .filter((x) => x >= cut).length,
  );
  console.log(
    `   slow-1% by tenth: ${tenths.join(' ')}  p99 first5%=${p99of(lat.slice(0, head)).toFixed(1)} rest=${p99of(lat.slice(head)).toFixed(1)} max=${sorted.at(-1)!.toFixed(1)}`,
  );
  return {
    n: result.completed,
    admitted,
    rps: result.requestsPerSec,
    p99: sorted[Math.floor(sorted.length * 0.99)] ?? Number.NaN,
    procUsPerReq: (proc * 1000) / result.completed,
    mainUsPerReq: (main * 1000) / result.completed,
  };
}

const rate = Number(one('--rate', '0'));
/** Open loop-ish: `c` workers paced so the total offered rate is `rate` req/s (CPU per request then compares). */
async function pacedRun(bot: ServerProcess, c: number, ms: number) {
  const from = services.slack.calls.length;
  const before = readCpuTime(bot.pid);
  const start = performance.now();
  let admitted = 0;
  const result = await runClosedLoop({
    origin: bot.origin,
    path: '/slack/events',
    concurrency: c,
    durationMs: ms,
    prepare: (i) => {
      const r = slashCommandRequest(services.slack.responseUrl(), BENCH_SIGNING_SECRET, COMMAND_ORDER_NO);
      return { ...r, onSend: () => undefined, i } as never;
    },
    onAnswer: (_i, body) => {
      if (!turnedAway(body)) admitted++;
    },
    afterResponse: async (i) => {
      const due = start + ((i + 1) * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    },
  });
  if (bot !== bots.find((b) => b.root === 'floor')?.proc) await drain(from, admitted);
  else await sleep(300);
  const after = readCpuTime(bot.pid);
  const proc = after.allMs - before.allMs;
  const main = after.mainMs - before.mainMs;
  return {
    n: result.completed,
    admitted,
    rps: result.requestsPerSec,
    procUsPerReq: (proc * 1000) / result.completed,
    mainUsPerReq: (main * 1000) / result.completed,
  };
}

async function openViews(bot: ServerProcess, orderNos: string[]): Promise<Map<string, ViewOutput>> {
  const triggerToOrder = new Map<string, string>();
  const from = services.slack.calls.length;
  let toSend = [...orderNos];
  while (toSend.length > 0) {
    const batch = toSend;
    const refused: string[] = [];
    await runClosedLoop({
      origin: bot.origin,
      path: '/slack/events',
      concurrency: 10,
      maxRequests: batch.length,
      prepare: (i) => {
        const r = slashCommandRequest(services.slack.responseUrl(), BENCH_SIGNING_SECRET, batch[i]!);
        triggerToOrder.set(r.triggerId, batch[i]!);
        return r;
      },
      onAnswer: (i, body) => {
        if (turnedAway(body)) refused.push(batch[i]!);
      },
    });
    toSend = refused;
    if (toSend.length) await sleep(250);
  }
  const views = new Map<string, ViewOutput>();
  const deadline = Date.now() + 15_000;
  while (views.size < orderNos.length && Date.now() < deadline) {
    const viewIdToOrder = new Map<string, string>();
    for (const call of services.slack.calls.slice(from)) {
      const orderNo = triggerToOrder.get(String(call.args.trigger_id));
      const body = call.answer?.body as { view?: { id?: string } } | undefined;
      if (call.method === 'views.open' && orderNo && body?.view?.id) viewIdToOrder.set(body.view.id, orderNo);
    }
    for (const [id, orderNo] of viewIdToOrder) {
      const v = services.slack.views.get(id);
      if (v?.callback_id === ConfirmModal.callbackId) views.set(orderNo, v);
    }
    if (views.size < orderNos.length) await sleep(50);
  }
  return views;
}

let nextOrder = 0;
async function confirmRun(bot: ServerProcess, n: number, c: number) {
  const orders = benchOrders(nextOrder + n).slice(nextOrder);
  nextOrder += n;
  for (const o of orders) services.wdt.orders.set(o.stockinNo, o);
  const views = await openViews(
    bot,
    orders.map((o) => o.stockinNo),
  );
  await sleep(500);
  const orderNos = [...views.keys()];
  const from = services.slack.calls.length;
  const before = readCpuTime(bot.pid);
  const result = await runClosedLoop({
    origin: bot.origin,
    path: '/slack/events',
    concurrency: c,
    maxRequests: orderNos.length,
    prepare: (i) => confirmSubmissionRequest(BENCH_SIGNING_SECRET, views.get(orderNos[i]!)!, 'bench: wrong'),
    afterResponse: async (i) => {
      await services.slack.waitFor(
        (call) => call.method === 'chat.postMessage' && String(call.args.text ?? '').includes(orderNos[i]!),
        { timeoutMs: 30_000, fromIndex: from },
      );
    },
  });
  await sleep(500);
  const after = readCpuTime(bot.pid);
  const proc = after.allMs - before.allMs;
  const main = after.mainMs - before.mainMs;
  return {
    n: result.completed,
    errors: result.errors,
    procUsPerReq: (proc * 1000) / result.completed,
    mainUsPerReq: (main * 1000) / result.completed,
  };
}

const fmt = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(1)}`)
    .join(' ');
try {
  if (!argv.includes('--no-warmup')) for (const b of bots) await commandRun(b.proc, 50, 1500);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? bots : [...bots].reverse();
    for (const b of order) {
      if (only !== 'confirm') {
        const res =
          rate > 0 ? await pacedRun(b.proc, conc, secs * 1000) : await commandRun(b.proc, conc, secs * 1000);
        console.log(`round ${r + 1} ${b.root} command c=${conc}: ${fmt(res)}`);
        await sleep(300);
      }
      if (only !== 'command' && b.root !== 'floor') {
        const res = await confirmRun(b.proc, confirmN, confirmC);
        console.log(`round ${r + 1} ${b.root} confirm c=${confirmC}: ${fmt(res)}`);
        await sleep(300);
      }
    }
  }
} finally {
  await load.close();
  for (const b of bots) await b.proc.stop();
  await services.close();
  console.log(`logs in ${work}`);
}
