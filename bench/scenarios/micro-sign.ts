import { performance } from 'node:perf_hooks';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/server.js';
import { WDT_API_VERSION, WDT_METHOD } from '../../src/wdt/methods.js';
import { signRequest, splitAppSecret, wdtTimestamp } from '../../src/wdt/sign.js';

/** qjb signs per second over a cancel request's real parameter set, after a short warm-up. */
export function benchSigning(durationMs: number): { signsPerSec: number; signs: number } {
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
  const { count, elapsed } = loop(durationMs);
  if (sink === 0) throw new Error('unreachable: signatures were empty');
  return { signsPerSec: (count / elapsed) * 1000, signs: count };
}
