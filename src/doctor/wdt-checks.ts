import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Clock } from '../core/ports/clock.js';
import type { WdtEnvironment, WdtPort } from '../core/ports/wdt.js';
import { createWdtClient } from '../wdt/client.js';
import { WDT_METHOD } from '../wdt/methods.js';
import { type CheckResult, check, skipped } from './check.js';
import { wdtProblem } from './wdt-advice.js';

/** The clock difference above which the bot itself warns at start (it signs with WDT's time either way). */
const SKEW_WARN_MS = 30_000;
/** A well-formed number that names no order: the query proves access without touching anything. */
const PROBE_ORDER_NO = 'RK000000000000';
const DAY_MS = 86_400_000;
const CHECKS = ['WDT reachable', 'WDT credentials', 'WDT IP whitelist', 'WDT clock', 'WDT query'] as const;

/** What the doctor may ask WDT: its clock and a query. The cancel is not in reach. */
type ReadOnlyWdt = Pick<WdtPort, 'environment' | 'serverTime' | 'queryStockin'>;

function environmentCheck(environment: WdtEnvironment): CheckResult {
  const name = 'WDT environment';
  switch (environment.kind) {
    case 'production':
      return check('info', name, `PRODUCTION (${environment.host}): a confirmed cancel changes real orders`);
    case 'test':
      return check(
        'info',
        name,
        `the vendor's TEST environment (${environment.host}): nothing real is cancelled; production is WDT_BASE_URL=https://wdt.wangdian.cn/openapi`,
      );
    default:
      return check('info', name, `${environment.host}: neither the vendor's test nor its production host`);
  }
}

/**
 * WDT as the bot will use it: reachable, the credentials and this host's IP accepted (`system.Core.now`, which
 * WDT authenticates like any call), the clock difference, and a read-only query of purchase stock-in orders.
 * Never a cancel: the cancel permission shows only on a first real cancel (docs/install.md).
 */
export async function wdtChecks(
  config: Config,
  deps: { clock: Clock; logger: Logger },
): Promise<CheckResult[]> {
  let offsetMs = 0;
  const client = createWdtClient({
    baseUrl: config.WDT_BASE_URL,
    sid: config.WDT_SID,
    appKey: config.WDT_APP_KEY,
    appSecret: config.WDT_APP_SECRET,
    timeoutMs: config.WDT_TIMEOUT_MS,
    // Signs with WDT's time once it is known, as the bot does.
    clock: { now: () => new Date(deps.clock.now().getTime() + offsetMs) },
    logger: deps.logger,
    rateLimitRetry: { maxAttempts: 1 },
  });
  try {
    return await probe(client, deps.clock, (ms) => {
      offsetMs = ms;
    });
  } finally {
    await client.close();
  }
}

async function probe(
  wdt: ReadOnlyWdt,
  clock: Clock,
  adoptOffset: (ms: number) => void,
): Promise<CheckResult[]> {
  const { host } = wdt.environment;
  const results = [environmentCheck(wdt.environment)];
  const sentAt = clock.now().getTime();
  const time = await wdt.serverTime();
  if (time.kind !== 'ok') {
    const problem = wdtProblem(time, WDT_METHOD.serverTime, host);
    const index = CHECKS.indexOf(problem.check);
    if (index > 0) results.push(check('pass', CHECKS[0], `${host} answered`));
    results.push(check('fail', problem.check, problem.detail));
    const rest = CHECKS.filter((name) => name !== problem.check && name !== CHECKS[0]);
    const cause = index > 0 ? 'WDT refused an earlier call' : 'WDT did not answer';
    return [...results, ...skipped(index > 0 ? rest : CHECKS.slice(1), cause)];
  }
  const skewMs = Math.round(time.data.getTime() - (sentAt + clock.now().getTime()) / 2);
  adoptOffset(skewMs);
  const skew = `${(skewMs / 1000).toFixed(1)} s`;
  results.push(
    check('pass', 'WDT reachable', `${host} answered ${WDT_METHOD.serverTime} in ${time.durationMs} ms`),
    check('pass', 'WDT credentials', 'sid, appkey and secret:salt accepted'),
    check('pass', 'WDT IP whitelist', "this host's address accepted"),
    Math.abs(skewMs) <= SKEW_WARN_MS
      ? check('pass', 'WDT clock', `this host is ${skew} from WDT's clock`)
      : check(
          'warn',
          'WDT clock',
          `this host is ${skew} from WDT's clock: the bot signs with WDT's time, so cancels still work, but set this clock right (NTP)`,
        ),
  );
  const now = new Date(clock.now().getTime() + skewMs);
  const query = await wdt.queryStockin({
    stockinNo: PROBE_ORDER_NO,
    start: new Date(now.getTime() - DAY_MS),
    end: now,
  });
  results.push(
    query.kind === 'ok'
      ? check(
          'pass',
          'WDT query',
          `${WDT_METHOD.queryStockin} answered (read-only; the cancel permission shows only on a first cancel)`,
        )
      : check('fail', 'WDT query', wdtProblem(query, WDT_METHOD.queryStockin, host).detail),
  );
  return results;
}
