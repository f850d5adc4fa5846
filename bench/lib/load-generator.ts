import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

/** One request the generator sends; built just before sending so timestamps and ids are fresh. */
export interface PreparedRequest {
  body: string;
  headers: Record<string, string>;
  /** Called with performance.now() right before the request is handed to undici. */
  onSend?: (sentAtMs: number) => void;
}

export interface ClosedLoopOptions {
  /** `http://127.0.0.1:port`; requests go to `path` on it. */
  origin: string;
  path: string;
  concurrency: number;
  /** Stop starting requests after this long… */
  durationMs?: number;
  /** …or after this many requests in total, whichever comes first. */
  maxRequests?: number;
  prepare: (index: number) => PreparedRequest | undefined;
  /** Sees the body of each 2xx answer (e.g. to count commands the bot turned away in the ack). */
  onAnswer?: (index: number, body: string, latencyMs: number) => void;
  /** Awaited after each answer before the worker sends again (e.g. until the request's effects are seen). */
  afterResponse?: (index: number) => Promise<void>;
}

export interface ClosedLoopResult {
  /** Ack latency of each 2xx answer: request handed to undici → whole response read. */
  latenciesMs: number[];
  completed: number;
  errors: number;
  /** First non-2xx status bodies, for diagnosis. */
  errorSamples: string[];
  elapsedMs: number;
  requestsPerSec: number;
}

/**
 * Opens every connection before the clock starts: 200 connects at once otherwise put seconds-long
 * stragglers (SYN and accept queues) into the first requests' latencies, for the floor and the bot alike.
 * A `GET /` has no effect on either server (it is a 404).
 */
async function openConnections(pool: Pool, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async () => {
      const response = await pool.request({ path: '/', method: 'GET' });
      await response.body.dump();
    }),
  );
}

/**
 * A closed-loop load generator on undici: `concurrency` workers, each with its own keep-alive connection,
 * send one request, wait for the whole answer, and send the next, until the time or the count runs out.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const pool = new Pool(options.origin, {
    connections: options.concurrency,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });
  const latenciesMs: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let issued = 0;
  await openConnections(pool, options.concurrency);
  const started = performance.now();
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : started + options.durationMs;
  const limit = options.maxRequests ?? Number.POSITIVE_INFINITY;

  async function worker(): Promise<void> {
    while (performance.now() < deadline && issued < limit) {
      const index = issued++;
      const prepared = options.prepare(index);
      if (prepared === undefined) return;
      const sentAt = performance.now();
      prepared.onSend?.(sentAt);
      try {
        const response = await pool.request({
          path: options.path,
          method: 'POST',
          headers: prepared.headers,
          body: prepared.body,
        });
        const text = await response.body.text();
        const doneAt = performance.now();
        if (response.statusCode >= 200 && response.statusCode < 300) {
          latenciesMs.push(doneAt - sentAt);
          options.onAnswer?.(index, text, doneAt - sentAt);
          await options.afterResponse?.(index);
        } else {
          errors++;
          if (errorSamples.length < 5) errorSamples.push(`${response.statusCode} ${text.slice(0, 200)}`);
        }
      } catch (error) {
        errors++;
        if (errorSamples.length < 5)
          errorSamples.push(error instanceof Error ? error.message : String(error));
      }
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedMs = performance.now() - started;
  await pool.close();
  return {
    latenciesMs,
    completed: latenciesMs.length,
    errors,
    errorSamples,
    elapsedMs,
    requestsPerSec: (latenciesMs.length / elapsedMs) * 1000,
  };
}
