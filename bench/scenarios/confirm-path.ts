import { setTimeout as sleep } from 'node:timers/promises';
import type { ViewOutput } from '@slack/bolt';
import type { RecordedCall } from '../../src/local/slack-standin/web-api.js';
import { ConfirmModal, StatusModal } from '../../src/slack/ids.js';
import { WDT_METHOD } from '../../src/wdt/methods.js';
import { epochMsOf } from '../lib/clock.js';
import { collectGarbage } from '../lib/collect-garbage.js';
import { type CpuTime, cpuPerOperation, readCpuTime } from '../lib/cpu-time.js';
import { pairOrder, type Side } from '../lib/interleave.js';
import { runClosedLoop } from '../lib/load-generator.js';
import type { ServerProcess } from '../lib/node-process.js';
import { BENCH_SIGNING_SECRET, type BenchServices, benchOrders } from '../lib/services.js';
import { settleStandins } from '../lib/settle.js';
import { confirmSubmissionRequest, slashCommandRequest, turnedAway } from '../lib/slack-requests.js';
import { type LatencySummary, steadyRatePerSec, summarize } from '../lib/stats.js';

export interface ConfirmRun {
  submissions: number;
  ack: LatencySummary;
  /** Submission sent → the cancel request arriving at the WDT sandbox (ms resolution on the sandbox side). */
  toWdt: LatencySummary;
  /** Submission sent → the outcome message arriving at the Slack stand-in. */
  toOutcome: LatencySummary;
  /** Outcome messages per second while `concurrency` confirmations were in flight (`steadyRatePerSec`). */
  confirmsPerSec: number;
  /** CPU per confirmation in ms, from `/proc`, over the submissions and all the work they started. */
  cpuPerConfirm: CpuTime;
  cancelled: number;
  missing: number;
}

/** The bot's dialogs for one round's orders: every command paced under the admission rate. */
export interface ViewsOpening {
  commands: number;
  /** Commands the bot still turned away as too busy (sent again later); their acks are in the CPU. */
  turnedAway: number;
  /** CPU per admitted command in ms: its ack, durable record, views.open, WDT preview and views.update. */
  cpuPerCommand: CpuTime;
}

/** One concurrency: the bot's and the confirm floor's runs in round order (round i's pair back to back). */
export interface ConfirmPathLevel {
  concurrency: number;
  submissions: number;
  bot: ConfirmRun[];
  floor: ConfirmRun[];
  opening: ViewsOpening[];
}

/**
 * The pace at which the bench opens the bot's dialogs: under the default admission rate (20 commands/s), so
 * that nearly every command is admitted and the CPU per admitted command is not diluted by shed acks.
 */
const VIEW_OPENING_PER_SEC = 18;

/**
 * The outcome of a confirmation as the stand-in sees it, whichever comes first: the confirmer's dialog turned
 * into the outcome (views.update of the status modal), or a channel message naming the order. Channel posts
 * go through the outbox, paced at Slack's one message a second per channel, so at c = 50 in one channel they
 * trail the cancels by design; the dialog is what the person who confirmed sees. Returns that order number.
 */
function outcomeOrderNo(call: RecordedCall): string | undefined {
  const order = /RK9[0-9]{9}/;
  if (call.method === 'views.update') {
    const view = call.args.view as { callback_id?: unknown } | undefined;
    if (view?.callback_id !== StatusModal.callbackId) return undefined;
    return order.exec(JSON.stringify(view))?.[0];
  }
  if (call.method !== 'chat.postMessage' && call.method !== 'chat.update') return undefined;
  return order.exec(String(call.args.text ?? ''))?.[0];
}

/**
 * Opens one confirmation view per order and returns them by order, with the bot's CPU per admitted command.
 * Commands go one at a time at `VIEW_OPENING_PER_SEC`; one the bot turns away is sent again a little later,
 * as a person would.
 */
async function openViews(
  services: BenchServices,
  target: ServerProcess,
  orderNos: readonly string[],
): Promise<{ views: Map<string, ViewOutput>; opening: ViewsOpening }> {
  const triggerToOrder = new Map<string, string>();
  const fromCallIndex = services.slack.calls.length;
  const cpuBefore = readCpuTime(target.pid);
  let toSend = [...orderNos];
  let turned = 0;
  for (let pass = 0; toSend.length > 0; pass++) {
    if (pass === 100) throw new Error(`${toSend.length} commands were still turned away after 100 passes`);
    if (pass > 0) await sleep(250);
    const batch = toSend;
    const refused: string[] = [];
    const startedAt = performance.now();
    const result = await runClosedLoop({
      origin: target.origin,
      path: '/slack/events',
      concurrency: 1,
      maxRequests: batch.length,
      prepare: (index) => {
        const orderNo = batch[index]!;
        const request = slashCommandRequest(services.slack.responseUrl(), BENCH_SIGNING_SECRET, orderNo);
        triggerToOrder.set(request.triggerId, orderNo);
        return request;
      },
      onAnswer: (index, body) => {
        if (turnedAway(body)) refused.push(batch[index]!);
      },
      afterResponse: async (index) => {
        const wait = startedAt + ((index + 1) * 1000) / VIEW_OPENING_PER_SEC - performance.now();
        if (wait > 0) await sleep(wait);
      },
    });
    if (result.errors > 0) throw new Error(`opening views failed: ${result.errorSamples.join(' | ')}`);
    turned += refused.length;
    toSend = refused;
  }
  // The dialog may open as a placeholder and be updated into the confirmation: follow the view id.
  const viewIdToOrder = new Map<string, string>();
  const views = new Map<string, ViewOutput>();
  const deadline = Date.now() + 10_000;
  while (views.size < orderNos.length && Date.now() < deadline) {
    for (const call of services.slack.calls.slice(fromCallIndex)) {
      const orderNo = triggerToOrder.get(String(call.args.trigger_id));
      const body = call.answer?.body as { view?: { id?: string } } | undefined;
      if (call.method === 'views.open' && orderNo !== undefined && body?.view?.id)
        viewIdToOrder.set(body.view.id, orderNo);
    }
    for (const [viewId, orderNo] of viewIdToOrder) {
      const view = services.slack.views.get(viewId);
      if (view?.callback_id === ConfirmModal.callbackId) views.set(orderNo, view);
    }
    if (views.size < orderNos.length) await sleep(20);
  }
  if (views.size < orderNos.length)
    throw new Error(`only ${views.size} of ${orderNos.length} confirmation views opened`);
  await settleStandins(services);
  return {
    views,
    opening: {
      commands: orderNos.length,
      turnedAway: turned,
      cpuPerCommand: cpuPerOperation(cpuBefore, readCpuTime(target.pid), orderNos.length),
    },
  };
}

/** Waits for every order's cancel call at the sandbox and outcome message at the stand-in (or the wait ends). */
async function collectArrivals(services: BenchServices, orderNos: readonly string[], fromCallIndex: number) {
  const toWdtAt = new Map<string, number>();
  const outcomeAt = new Map<string, number>();
  const wanted = new Set(orderNos);
  const deadline = Date.now() + 15_000;
  let nextSlack = fromCallIndex;
  let nextWdt = 0;
  while ((toWdtAt.size < wanted.size || outcomeAt.size < wanted.size) && Date.now() < deadline) {
    for (; nextWdt < services.wdt.calls.length; nextWdt++) {
      const call = services.wdt.calls[nextWdt]!;
      const orderNo = Array.isArray(call.body) ? String(call.body[0]) : '';
      if (call.method === WDT_METHOD.cancelStockin && wanted.has(orderNo) && !toWdtAt.has(orderNo))
        toWdtAt.set(orderNo, call.at.getTime());
    }
    for (; nextSlack < services.slack.calls.length; nextSlack++) {
      const call = services.slack.calls[nextSlack]!;
      const orderNo = outcomeOrderNo(call);
      if (orderNo !== undefined && wanted.has(orderNo) && !outcomeAt.has(orderNo))
        outcomeAt.set(orderNo, call.atMs);
    }
    await sleep(20);
  }
  return { toWdtAt, outcomeAt };
}

/**
 * What the confirm floor gets instead of dialogs: it opens none, and reads the order number from the view's
 * private_metadata (the bot's is sealed and names attempts, which only its audit store can resolve).
 */
function floorViews(orderNos: readonly string[]): Map<string, ViewOutput> {
  return new Map(
    orderNos.map((orderNo, index): [string, ViewOutput] => [
      orderNo,
      {
        id: `VFLOOR${index}`,
        team_id: 'T0STANDIN',
        app_id: 'A0STANDIN',
        app_installed_team_id: 'T0STANDIN',
        bot_id: 'B0STANDIN',
        type: 'modal',
        callback_id: ConfirmModal.callbackId,
        private_metadata: orderNo,
        title: { type: 'plain_text', text: 'Cancel stock-in' },
        blocks: [],
        state: { values: {} },
        hash: `h${index}`,
        close: null,
        submit: null,
        clear_on_close: false,
        notify_on_close: false,
        root_view_id: null,
        previous_view_id: null,
        external_id: '',
      },
    ]),
  );
}

/** One target at one concurrency: every order's submission, `concurrency` in flight end to end. */
async function runSubmissions(
  services: BenchServices,
  target: ServerProcess,
  views: ReadonlyMap<string, ViewOutput>,
  concurrency: number,
): Promise<ConfirmRun> {
  const orderNos = [...views.keys()];
  const sentAtPerf = new Map<string, number>();
  const fromCallIndex = services.slack.calls.length;
  const cpuBefore = readCpuTime(target.pid);
  const result = await runClosedLoop({
    origin: target.origin,
    path: '/slack/events',
    concurrency,
    maxRequests: orderNos.length,
    prepare: (index) => {
      const orderNo = orderNos[index]!;
      const request = confirmSubmissionRequest(
        BENCH_SIGNING_SECRET,
        views.get(orderNo)!,
        'bench: wrong supplier',
      );
      return { ...request, onSend: (at) => sentAtPerf.set(orderNo, at) };
    },
    // Concurrency is end to end: a worker's next submission waits for this one's outcome message. The wait
    // is an event from the stand-in: a poll per worker every few ms took a fifth of the bench's CPU.
    afterResponse: async (index) => {
      const orderNo = orderNos[index]!;
      await services.slack.waitFor((call) => outcomeOrderNo(call) === orderNo, {
        timeoutMs: 30_000,
        fromIndex: fromCallIndex,
      });
    },
  });
  if (result.errors > 0) throw new Error(`submissions failed: ${result.errorSamples.join(' | ')}`);
  const { toWdtAt, outcomeAt } = await collectArrivals(services, orderNos, fromCallIndex);
  await settleStandins(services);
  const cpuPerConfirm = cpuPerOperation(cpuBefore, readCpuTime(target.pid), orderNos.length);
  const toWdt: number[] = [];
  const toOutcome: number[] = [];
  for (const [orderNo, sent] of sentAtPerf) {
    const wdtAt = toWdtAt.get(orderNo);
    if (wdtAt !== undefined) toWdt.push(Math.max(0, wdtAt - epochMsOf(sent)));
    const postedAt = outcomeAt.get(orderNo);
    if (postedAt !== undefined) toOutcome.push(postedAt - sent);
  }
  return {
    submissions: orderNos.length,
    ack: summarize(result.latenciesMs),
    toWdt: summarize(toWdt),
    toOutcome: summarize(toOutcome),
    confirmsPerSec: steadyRatePerSec([...outcomeAt.values()], concurrency),
    cpuPerConfirm,
    cancelled: orderNos.filter((no) => services.wdt.orders.get(no)?.status === 10).length,
    missing: orderNos.length - Math.min(toWdt.length, toOutcome.length),
  };
}

const describeRun = (run: ConfirmRun) =>
  `→WDT p50 ${run.toWdt.p50.toFixed(2)} p99 ${run.toWdt.p99.toFixed(2)} ms, →outcome p50 ${run.toOutcome.p50.toFixed(2)} p99 ${run.toOutcome.p99.toFixed(2)} ms, ${run.confirmsPerSec.toFixed(0)}/s, CPU ${run.cpuPerConfirm.allMs.toFixed(2)} ms (main ${run.cpuPerConfirm.mainMs.toFixed(2)}), cancelled ${run.cancelled}`;

/**
 * `view_submission`s for distinct, fresh orders, in rounds: at each concurrency the bot's dialogs are opened
 * first, then the bot and the confirm floor (`bench/floor/confirm-floor.ts`) each confirm as many orders,
 * back to back in `pairOrder`, with `concurrency` confirmations in flight end to end (a worker sends its
 * next one once the previous outcome message has arrived); the sandbox answers at once.
 */
export async function benchConfirmPath(
  services: BenchServices,
  targets: Record<Side, ServerProcess>,
  options: {
    levels: ReadonlyArray<{ concurrency: number; submissions: number }>;
    rounds: number;
    log: (line: string) => void;
  },
): Promise<ConfirmPathLevel[]> {
  let nextOrder = 0;
  const freshOrders = (count: number) => {
    const orders = benchOrders(nextOrder + count).slice(nextOrder);
    nextOrder += count;
    for (const order of orders) services.wdt.orders.set(order.stockinNo, order);
    return orders.map((order) => order.stockinNo);
  };
  const levels: ConfirmPathLevel[] = options.levels.map(({ concurrency, submissions }) => ({
    concurrency,
    submissions,
    bot: [],
    floor: [],
    opening: [],
  }));
  for (let round = 0; round < options.rounds; round++) {
    for (const [index, level] of levels.entries()) {
      const { views, opening } = await openViews(services, targets.bot, freshOrders(level.submissions));
      level.opening.push(opening);
      const viewsOf: Record<Side, ReadonlyMap<string, ViewOutput>> = {
        bot: views,
        floor: floorViews(freshOrders(level.submissions)),
      };
      for (const side of pairOrder(round, index)) {
        collectGarbage();
        const run = await runSubmissions(services, targets[side], viewsOf[side], level.concurrency);
        level[side].push(run);
        options.log(
          `  round ${round + 1} confirm c=${level.concurrency} n=${level.submissions} ${side.padEnd(5)} ${describeRun(run)}`,
        );
      }
    }
  }
  return levels;
}
