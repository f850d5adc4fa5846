import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { STOCKIN_STATUS } from '../../src/core/purchase-stockin.js';
import { DEMO_ORDERS, type SandboxOrder, seedOrders } from '../../src/local/wdt-standin/orders.js';
import { authenticate, type QjbAnswer, runMethod } from '../../src/local/wdt-standin/qjb-protocol.js';
import { SANDBOX_CREDENTIALS } from '../../src/local/wdt-standin/server.js';
import { WDT_METHOD } from '../../src/wdt/methods.js';
import type { Oracle } from './oracle.js';
import type { World } from './world.js';

/** What can happen to one request on its way to WDT and back. */
export type Fate = 'ok' | 'slow' | 'lost_reply' | 'lost_request' | 'http502' | 'rate_limited';

/**
 * WangDianTong as the simulation sees it: the orders and their statuses, WDT's clock (the world's, which is
 * also the database's), and its checks, from the local stand-in (`qjb-protocol.ts`): the signature and the
 * 120 s timestamp window, then the method. Each process reaches it through a dispatcher of its own; the
 * world decides when a request arrives and when (if ever) its answer comes back.
 */
export class SimWdt {
  readonly orders: Map<string, SandboxOrder>;
  /** Faults the tape asked for, each taken by the next request of its method. */
  readonly upcoming: Array<{ fate: Fate; method: string }> = [];

  constructor(
    private readonly world: World,
    private readonly oracle: Oracle,
    orderCount: number,
  ) {
    const editing = DEMO_ORDERS.filter((order) => order.status === STOCKIN_STATUS.editing).slice(
      0,
      orderCount,
    );
    this.orders = new Map(seedOrders(editing, new Date(world.now)).map((order) => [order.stockinNo, order]));
  }

  get orderNumbers(): string[] {
    return [...this.orders.keys()];
  }

  /** The undici dispatcher one process's WDT client sends through. */
  dispatcherFor(owner: string): Dispatcher {
    const request = (options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> =>
      this.#request(owner, options);
    return { request } as unknown as Dispatcher;
  }

  async #request(owner: string, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
    const { world } = this;
    const url = new URL(String(options.path), String(options.origin));
    const query = url.searchParams;
    const body = Buffer.isBuffer(options.body) ? options.body.toString('utf8') : String(options.body ?? '');
    const method = query.get('method') ?? '';
    const isCancel = method === WDT_METHOD.cancelStockin;
    // Read straight from the database, between two steps of the world: nothing else runs meanwhile.
    const signed = isCancel
      ? await this.oracle.signed(owner, JSON.parse(body)[0], Number(query.get('timestamp')))
      : null;
    const fate = this.#fate(method);
    const timeoutMs = Number(options.headersTimeout ?? 1_000);
    return new Promise((resolve, reject) => {
      let settled = false;
      const answer = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        cancelTimeout();
        outcome();
      };
      // The client gives up after its headers timeout: then it cannot know whether WDT acted.
      const cancelTimeout = world.schedule(owner, timeoutMs, 'wdt:timeout', () =>
        answer(() =>
          reject(Object.assign(new Error('headers timeout'), { code: 'UND_ERR_HEADERS_TIMEOUT' })),
        ),
      );
      if (fate === 'lost_request') return;
      const arriveIn = fate === 'slow' ? world.tape.choose([2_000, 30_000, 110_000, 200_000]) : 5;
      world.schedule(null, arriveIn, `wdt:${method}`, async () => {
        const reply =
          fate === 'http502' ? null : fate === 'rate_limited' ? RATE_LIMITED : this.#handle(query, body);
        if (signed && reply) await this.oracle.processed(signed, reply);
        if (fate === 'lost_reply') return;
        world.schedule(owner, 5, 'wdt:answer', () => answer(() => resolve(response(reply))));
      });
    });
  }

  #fate(method: string): Fate {
    const index = this.upcoming.findIndex((fault) => fault.method === method);
    if (index < 0) return 'ok';
    return this.upcoming.splice(index, 1)[0]!.fate;
  }

  #handle(query: URLSearchParams, body: string): QjbAnswer {
    const now = new Date(this.world.now);
    const refused = authenticate(query, body, SANDBOX_CREDENTIALS, now);
    if (refused) return refused;
    return runMethod(query.get('method') ?? '', JSON.parse(body), query, this.orders, now);
  }
}

const RATE_LIMITED: QjbAnswer = { status: 100, message: '超过每分钟最大调用频率限制,请稍后重试' };

function response(reply: QjbAnswer | null): Dispatcher.ResponseData {
  const text = reply === null ? '<html>502 Bad Gateway</html>' : JSON.stringify(reply);
  return {
    statusCode: reply === null ? 502 : 200,
    headers: { 'content-type': reply === null ? 'text/html' : 'application/json' },
    body: Readable.from([Buffer.from(text, 'utf8')]),
  } as unknown as Dispatcher.ResponseData;
}
