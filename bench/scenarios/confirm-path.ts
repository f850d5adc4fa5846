import { setTimeout as sleep } from 'node:timers/promises';
import type { ViewOutput } from '@slack/bolt';
import { ConfirmModal } from '../../src/slack/ids.js';
import { WDT_METHOD } from '../../src/wdt/methods.js';
import { epochMsOf } from '../lib/clock.js';
import { runClosedLoop } from '../lib/load-generator.js';
import type { ServerProcess } from '../lib/node-process.js';
import { BENCH_SIGNING_SECRET, type BenchServices, benchOrders } from '../lib/services.js';
import { confirmSubmissionRequest, slashCommandRequest, turnedAway } from '../lib/slack-requests.js';
import { type LatencySummary, summarize } from '../lib/stats.js';

export interface ConfirmRun {
  submissions: number;
  ack: LatencySummary;
  /** Submission sent → the cancel request arriving at the WDT sandbox (ms resolution on the sandbox side). */
  toWdt: LatencySummary;
  /** Submission sent → the outcome chat.postMessage arriving at the Slack stand-in. */
  toOutcome: LatencySummary;
  cancelled: number;
  missing: number;
}

/** The bot's run at one concurrency, and the confirm floor's (`bench/floor/confirm-floor.ts`) when it ran. */
export interface ConfirmPathLevel extends ConfirmRun {
  concurrency: number;
  floor: ConfirmRun | null;
  /** Bot/floor →WDT p99, the same concurrency, run back to back. */
  toWdtP99RatioVsFloor: number | null;
}

/**
 * Opens one confirmation view per order (commands at modest concurrency) and returns them by order. A command
 * the bot turns away as too busy is sent again a little later, as a person would.
 */
async function openViews(
  services: BenchServices,
  target: ServerProcess,
  orderNos: readonly string[],
): Promise<Map<string, ViewOutput>> {
  const triggerToOrder = new Map<string, string>();
  const fromCallIndex = services.slack.calls.length;
  let toSend = [...orderNos];
  for (let pass = 0; toSend.length > 0; pass++) {
    if (pass === 100) throw new Error(`${toSend.length} commands were still turned away after 100 passes`);
    if (pass > 0) await sleep(250);
    const batch = toSend;
    const refused: string[] = [];
    const result = await runClosedLoop({
      origin: target.origin,
      path: '/slack/events',
      concurrency: 10,
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
    });
    if (result.errors > 0) throw new Error(`opening views failed: ${result.errorSamples.join(' | ')}`);
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
  return views;
}

/**
 * Resolves once the outcome post for `orderNo` has been answered by the stand-in. Event-driven, and scanning
 * only the calls since `fromIndex`: a poll per worker every few ms took a fifth of the bench process's CPU,
 * which the bot then did not have.
 */
function outcomeArrival(services: BenchServices, orderNo: string, fromIndex: number): Promise<unknown> {
  return services.slack.waitFor(
    (call) => call.method === 'chat.postMessage' && String(call.args.text ?? '').includes(orderNo),
    { timeoutMs: 30_000, fromIndex },
  );
}

/** Waits for every order's cancel call at the sandbox and outcome post at the stand-in (or the wait ends). */
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
      if (call.method !== 'chat.postMessage') continue;
      const text = String(call.args.text ?? '');
      const orderNo = /RK9[0-9]{9}/.exec(text)?.[0];
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
    // Concurrency is end to end: a worker's next submission waits for this one's outcome message.
    afterResponse: async (index) => {
      await outcomeArrival(services, orderNos[index]!, fromCallIndex);
    },
  });
  if (result.errors > 0) throw new Error(`submissions failed: ${result.errorSamples.join(' | ')}`);
  const { toWdtAt, outcomeAt } = await collectArrivals(services, orderNos, fromCallIndex);
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
    cancelled: orderNos.filter((no) => services.wdt.orders.get(no)?.status === 10).length,
    missing: orderNos.length - Math.min(toWdt.length, toOutcome.length),
  };
}

const describeRun = (run: ConfirmRun) =>
  `→WDT p50 ${run.toWdt.p50.toFixed(2)} p99 ${run.toWdt.p99.toFixed(2)} ms, →outcome p50 ${run.toOutcome.p50.toFixed(2)} p99 ${run.toOutcome.p99.toFixed(2)} ms, cancelled ${run.cancelled}`;

/**
 * `view_submission`s for distinct orders at each concurrency: the bot's views are opened first, then the
 * submissions go through the closed-loop generator with `concurrency` confirmations in flight end to end
 * (a worker sends its next one once the previous outcome message has arrived); the sandbox answers at once.
 * With a floor, the same number of fresh orders then goes to it at the same concurrency.
 */
export async function benchConfirmPath(
  services: BenchServices,
  bot: ServerProcess,
  options: {
    levels: ReadonlyArray<{ concurrency: number; submissions: number }>;
    floor?: ServerProcess;
    log: (line: string) => void;
  },
): Promise<ConfirmPathLevel[]> {
  const results: ConfirmPathLevel[] = [];
  let nextOrder = 0;
  const freshOrders = (count: number) => {
    const orders = benchOrders(nextOrder + count).slice(nextOrder);
    nextOrder += count;
    for (const order of orders) services.wdt.orders.set(order.stockinNo, order);
    return orders.map((order) => order.stockinNo);
  };
  for (const { concurrency, submissions } of options.levels) {
    const botRun = await runSubmissions(
      services,
      bot,
      await openViews(services, bot, freshOrders(submissions)),
      concurrency,
    );
    options.log(`  confirm c=${concurrency} n=${submissions} bot:   ${describeRun(botRun)}`);
    let floor: ConfirmRun | null = null;
    if (options.floor) {
      floor = await runSubmissions(
        services,
        options.floor,
        floorViews(freshOrders(submissions)),
        concurrency,
      );
      options.log(`  confirm c=${concurrency} n=${submissions} floor: ${describeRun(floor)}`);
    }
    results.push({
      concurrency,
      ...botRun,
      floor,
      toWdtP99RatioVsFloor: floor ? botRun.toWdt.p99 / floor.toWdt.p99 : null,
    });
  }
  return results;
}
