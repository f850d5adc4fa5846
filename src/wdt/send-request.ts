import type { Dispatcher } from 'undici';
import { systemTimers, type Timers } from '../core/ports/timers.js';
import { USER_AGENT } from '../version.js';
import { classifyNetworkError, type NetworkFailure } from './classify-error.js';
import { classifyResponse, type VendorAnswer } from './classify-response.js';

/** A generous ceiling: one page of 100 orders with details is a few hundred KB. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface SignedRequest {
  origin: string;
  /** Path and signed query string: secret-bearing, never logged nor put in an outcome. */
  pathAndQuery: string;
  body: string;
}

export interface SendOptions {
  dispatcher: Dispatcher;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** Bounds the whole exchange, including a body that trickles in under the per-chunk body timeout. */
  deadlineMs: number;
  timers?: Pick<Timers, 'after'>;
}

/** One HTTP exchange, classified. Never throws. */
export async function sendRequest(
  request: SignedRequest,
  options: SendOptions,
): Promise<VendorAnswer | NetworkFailure> {
  const deadline = new AbortController();
  const cancelDeadline = (options.timers ?? systemTimers).after(options.deadlineMs, () => deadline.abort());
  try {
    const response = await options.dispatcher.request({
      origin: request.origin,
      path: request.pathAndQuery,
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        accept: 'application/json',
        'user-agent': USER_AGENT,
      },
      body: Buffer.from(request.body, 'utf8'),
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      signal: deadline.signal,
    });
    const text = await readLimited(response.body);
    if (text === null) {
      return {
        kind: 'protocol_error',
        httpStatus: response.statusCode,
        reason: `HTTP ${response.statusCode} with a body over ${MAX_BODY_BYTES} bytes`,
      };
    }
    const contentType = response.headers['content-type'];
    return classifyResponse({
      httpStatus: response.statusCode,
      contentType: typeof contentType === 'string' ? contentType : null,
      text,
    });
  } catch (error) {
    if (deadline.signal.aborted) {
      return { kind: 'unknown', reason: `no complete answer within the ${options.deadlineMs} ms deadline` };
    }
    return classifyNetworkError(error);
  } finally {
    cancelDeadline();
  }
}

async function readLimited(body: Dispatcher.ResponseData['body']): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      return null;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
