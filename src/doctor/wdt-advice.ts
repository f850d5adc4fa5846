import type { WdtOutcome } from '../core/ports/wdt.js';

/** A WDT answer that is not `ok`, as the doctor reads it: which check it fails, and what to do. */
interface WdtProblem {
  /** The check this answer speaks to. */
  check: 'WDT reachable' | 'WDT credentials' | 'WDT IP whitelist' | 'WDT clock' | 'WDT query';
  detail: string;
}

type NotOk = Exclude<WdtOutcome<unknown>, { kind: 'ok' }>;

/** What each qjb status the vendor documents for its gate means for an operator (open.wangdian.cn, 错误码说明). */
const REFUSALS: Record<number, WdtProblem> = {
  1: {
    check: 'WDT credentials',
    detail:
      'check WDT_SID, WDT_APP_KEY and WDT_APP_SECRET (secret:salt as issued) and that they belong to this environment: test credentials do not open production, nor the reverse',
  },
  3: {
    check: 'WDT credentials',
    detail: 'the API account requires a dynamic password (动态口令): switch it off for that account',
  },
  6: {
    check: 'WDT IP whitelist',
    detail:
      "this host's outgoing IP address is not on the appkey's IP whitelist: add it in WDT's open platform (the address WDT sees, after any NAT)",
  },
  7: {
    check: 'WDT clock',
    detail: "WDT refused the timestamp (more than 120 s from WDT's clock): set this host's clock right (NTP)",
  },
};

/** Names the method, the status and WDT's own words, then the advice. */
export function wdtProblem(outcome: NotOk, method: string, host: string): WdtProblem {
  switch (outcome.kind) {
    case 'refused': {
      const said = `WDT refused ${method} (status ${outcome.status ?? '?'}${outcome.code ? `, code ${outcome.code}` : ''}: ${outcome.message || 'no message'})`;
      const known = outcome.status === null ? undefined : REFUSALS[outcome.status];
      if (known) return { check: known.check, detail: `${said}: ${known.detail}` };
      return {
        check: 'WDT query',
        detail: `${said}: if it says 权限不足, ask WDT to grant this appkey the method (自助对接 → 应用管理)`,
      };
    }
    case 'rate_limited':
      return {
        check: 'WDT reachable',
        detail: `WDT rate-limited ${method} (${outcome.message}): wait a minute and run the doctor again`,
      };
    case 'not_sent':
      return {
        check: 'WDT reachable',
        detail: `cannot connect to ${host} (${outcome.reason}): check WDT_BASE_URL, DNS and this host's outbound firewall`,
      };
    case 'unknown':
      return {
        check: 'WDT reachable',
        detail: `no answer from ${host} in time (${outcome.reason}): check the network path, or raise WDT_TIMEOUT_MS`,
      };
    case 'protocol_error':
      return {
        check: 'WDT reachable',
        detail: `${host} did not answer as the qjb API (${outcome.reason}): WDT_BASE_URL must end in /openapi`,
      };
  }
}
