import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { z } from 'zod';
import { type Clock, systemClock } from '../../core/ports/clock.js';
import { FaultBoard, faultRequestSchema, type SandboxFaults } from './faults.js';
import { DEMO_ORDERS, type SandboxOrder, seedOrders } from './orders.js';
import {
  authenticate,
  type QjbAnswer,
  runMethod,
  SANDBOX_MESSAGES,
  type SandboxCredentials,
} from './qjb-protocol.js';

export type { SandboxFaults } from './faults.js';
export type { SandboxDetailLine, SandboxOrder } from './orders.js';
export { DEMO_ORDERS } from './orders.js';
export { SANDBOX_MESSAGES, type SandboxCredentials } from './qjb-protocol.js';

/** Fake credentials for the sandbox only: they open nothing anywhere else, so printing them is fine. */
export const SANDBOX_CREDENTIALS: Readonly<SandboxCredentials> = {
  sid: 'sandboxsid',
  appKey: 'sandbox_appkey',
  appSecret: 'sandbox-secret-4f1c9a:sandbox-salt-77e2',
};

const API_PATH = '/openapi';
const CONTROL_PREFIX = '/__sandbox/';
const MAX_REQUEST_BYTES = 1024 * 1024;

export interface SandboxCall {
  seq: number;
  method: string;
  /** Every query parameter as received, sign included: the sandbox's credentials are fake. */
  query: Record<string, string>;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
  at: Date;
  contentType: string | null;
  userAgent: string | null;
  /** HTTP status answered; null when the sandbox never answered (hang, reset). */
  httpStatus: number | null;
  /** qjb `status` answered; null when the answer had none. */
  status: number | null;
  /** The fault that shaped the answer, if any. */
  fault: keyof SandboxFaults | null;
}

export interface WdtSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  credentials?: SandboxCredentials;
  /** The initial orders; the demo orders when omitted. */
  orders?: readonly SandboxOrder[];
  clock?: Clock;
  logger?: Logger;
}

export interface WdtSandbox {
  /** Base URL to configure as WDT_BASE_URL, `/openapi` included. */
  url: string;
  port: number;
  credentials: Readonly<SandboxCredentials>;
  /** The live store, by stock-in number: inspect it, or set orders into it. */
  orders: Map<string, SandboxOrder>;
  faults: FaultBoard;
  /** Every qjb call received, oldest first. */
  calls: SandboxCall[];
  /** Back to the initial orders, no faults, no calls. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * A local WangDianTong qjb: checks sid, key, salt, sign, version and timestamp like the vendor does, runs
 * cancel, query and server time against an in-memory store, and can misbehave on demand. Faults act before a
 * method runs, so a faulted cancel never changes an order; only `answerDelayMs` holds back the answer of a
 * call that has run. Control endpoints: `POST /__sandbox/faults`,
 * `POST /__sandbox/reset`, `GET /__sandbox/calls`.
 */
export async function startWdtSandbox(options: WdtSandboxOptions = {}): Promise<WdtSandbox> {
  const credentials = options.credentials ?? SANDBOX_CREDENTIALS;
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const initialOrders = options.orders ?? seedOrders(DEMO_ORDERS, clock.now());
  const orders = new Map<string, SandboxOrder>();
  const faults = new FaultBoard();
  const calls: SandboxCall[] = [];
  const closing = new AbortController();
  let seq = 0;

  const reseed = () => {
    orders.clear();
    for (const order of initialOrders) orders.set(order.stockinNo, structuredClone(order));
  };
  reseed();
  const reset = () => {
    reseed();
    faults.reset();
    calls.length = 0;
  };

  async function handleQjb(request: IncomingMessage, response: ServerResponse, url: URL, rawBody: string) {
    const method = url.searchParams.get('method') ?? '';
    const call: SandboxCall = {
      seq: ++seq,
      method,
      query: Object.fromEntries(url.searchParams),
      body: parseJson(rawBody) ?? rawBody,
      at: clock.now(),
      contentType: request.headers['content-type'] ?? null,
      userAgent: request.headers['user-agent'] ?? null,
      httpStatus: null,
      status: null,
      fault: null,
    };
    calls.push(call);
    const active = faults.for(method);
    const send = (httpStatus: number, contentType: string, text: string, status: number | null) => {
      call.httpStatus = httpStatus;
      call.status = status;
      logger?.debug({ method, httpStatus, status, fault: call.fault }, 'sandbox answered');
      response.writeHead(httpStatus, {
        'content-type': contentType,
        'content-length': Buffer.byteLength(text),
      });
      response.end(text);
    };
    const answer = async (body: QjbAnswer | Record<string, unknown>) => {
      const status = typeof body.status === 'number' ? body.status : null;
      call.status = status;
      if (active.answerDelayMs) await pause(active.answerDelayMs, closing.signal);
      if (closing.signal.aborted) return;
      send(200, 'application/json; charset=utf-8', JSON.stringify(body), status);
    };
    const fault = (name: keyof SandboxFaults) => {
      call.fault = name;
      return true;
    };

    if (active.latencyMs) await pause(active.latencyMs, closing.signal);
    if (closing.signal.aborted) return;
    if (active.hang && fault('hang')) return;
    if (active.resetAfterRequest && fault('resetAfterRequest')) {
      request.socket.destroy();
      return;
    }
    if (active.http500Html && fault('http500Html')) return send(500, 'text/html', errorPage(500, url), null);
    if (active.http502Html && fault('http502Html')) return send(502, 'text/html', errorPage(502, url), null);
    if (active.nonJson && fault('nonJson'))
      return send(200, 'text/html; charset=utf-8', MAINTENANCE_PAGE, null);
    if (active.emptyBody && fault('emptyBody')) return send(200, 'application/json', '', null);
    if (active.missingStatus && fault('missingStatus')) return answer({ message: '服务繁忙', data: null });

    if (active.ipNotWhitelisted && fault('ipNotWhitelisted'))
      return answer({ status: 6, message: SANDBOX_MESSAGES.ipNotWhitelisted });
    const now = new Date(clock.now().getTime() + (active.clockOffsetSec ?? 0) * 1000);
    const refused = authenticate(url.searchParams, rawBody, credentials, now);
    if (refused) return answer(refused);
    if (active.codeOnly && fault('codeOnly'))
      return answer({ code: 2102, message: SANDBOX_MESSAGES.codeOnly });
    if (faults.takeRateLimit(method)) {
      fault('rateLimitNext');
      return answer({ status: 100, message: SANDBOX_MESSAGES.rateLimited });
    }
    const args = parseJson(rawBody);
    if (!Array.isArray(args)) return answer({ status: 1, message: SANDBOX_MESSAGES.badBody });
    return answer(runMethod(method, args, url.searchParams, orders, now));
  }

  function handleControl(url: URL, httpMethod: string, rawBody: string, response: ServerResponse) {
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(body));
    };
    const route = `${httpMethod} ${url.pathname.slice(CONTROL_PREFIX.length)}`;
    if (route === 'GET calls') return json(200, calls);
    if (route === 'POST reset') {
      reset();
      return json(200, { ok: true });
    }
    if (route === 'POST faults') {
      const parsed = faultRequestSchema.safeParse(parseJson(rawBody) ?? {});
      if (!parsed.success) return json(400, { ok: false, error: z.prettifyError(parsed.error) });
      const { method, ...knobs } = parsed.data;
      faults.set(knobs, method);
      return json(200, { ok: true, faults: faults.snapshot() });
    }
    return json(404, { ok: false, error: `no control route ${route}` });
  }

  const server = createServer((request, response) => {
    readBody(request).then(
      (rawBody) => {
        const url = new URL(request.url ?? '/', 'http://sandbox.invalid');
        if (url.pathname.startsWith(CONTROL_PREFIX))
          return handleControl(url, request.method ?? '', rawBody, response);
        if (url.pathname === API_PATH && request.method === 'POST')
          return handleQjb(request, response, url, rawBody);
        response.writeHead(404, { 'content-type': 'text/html' });
        response.end(errorPage(404, url));
      },
      () => request.socket.destroy(),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${hostForUrl}:${address.port}${API_PATH}`,
    port: address.port,
    credentials,
    orders,
    faults,
    calls,
    reset,
    close() {
      closing.abort();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) reject(new Error('request too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Like some gateways, the page echoes the request URL: a client must never copy it into a message. */
function errorPage(status: number, url: URL): string {
  const title =
    status === 502 ? '502 Bad Gateway' : status === 404 ? '404 Not Found' : '500 Internal Server Error';
  const path = `${url.pathname}${url.search}`.replace(/[<>&"]/g, '');
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<p>${path}</p>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

const MAINTENANCE_PAGE =
  '<html><head><meta charset="utf-8"><title>系统维护</title></head><body><h1>系统维护中，请稍后再试</h1></body></html>';
