import { performance } from 'node:perf_hooks';
import { SANDBOX_CREDENTIALS } from '../../src/local/wdt-standin/server.js';
import { WDT_API_VERSION, WDT_METHOD } from '../../src/wdt/methods.js';
import { signRequest, splitAppSecret, wdtTimestamp } from '../../src/wdt/sign.js';
import { median } from '../lib/stats.js';

const REPEATS = 5;

/**
 * qjb signs per second over a cancel request's real parameter set, after a short warm-up: the median of
 * five equal slices of `durationMs`, so one stolen slice of a shared VM does not make the headline.
 */
export function benchSigning(durationMs: number): {
  signsPerSec: number;
  signs: number;
  perRepeat: number[];
} {
  const { secret, salt } = splitAppSecret(SANDBOX_CREDENTIALS.appSecret);
  const params = {
    sid: SANDBOX_CREDENTIALS.sid,
    key: SANDBOX_CREDENTIALS.appKey,
    salt,
    method: WDT_METHOD.cancelStockin,
    v: WDT_API_VERSION,
    timestamp: String(wdtTimestamp(new Date())),
  };
  const body = JSON.stringify(['RK2006030008']);
  let sink = 0;
  const loop = (ms: number) => {
    const started = performance.now();
    let count = 0;
    while (performance.now() - started < ms) {
      for (let i = 0; i < 1000; i++) sink += signRequest(secret, params, body).length;
      count += 1000;
    }
    return { count, elapsed: performance.now() - started };
  };
  loop(Math.min(200, durationMs / 4));
  const repeats = Array.from({ length: REPEATS }, () => loop(durationMs / REPEATS));
  if (sink === 0) throw new Error('unreachable: signatures were empty');
  const perRepeat = repeats.map(({ count, elapsed }) => Math.round((count / elapsed) * 1000));
  return {
    signsPerSec: median(perRepeat),
    signs: repeats.reduce((sum, { count }) => sum + count, 0),
    perRepeat,
  };
}
