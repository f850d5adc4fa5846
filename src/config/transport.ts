import { isIPv4 } from 'node:net';
import { WDT_TEST_BASE_URL } from '../wdt/environment.js';

/**
 * Which base URLs may be reached over plain HTTP. WDT's query carries sid, appkey, salt and the sign, and its
 * answers are unsigned: anyone on the path could forge a preview or an outcome that the audit trail would then
 * record. Slack's Web API carries the bot token. Plain HTTP is therefore allowed only to this machine, to the
 * vendor's test environment (which has no HTTPS and holds no production orders), or for WDT when the operator
 * says so with WDT_ALLOW_HTTP=true, which is then logged at every start.
 */
export interface TransportSettings {
  SLACK_API_URL?: string | undefined;
  WDT_BASE_URL: string;
  WDT_ALLOW_HTTP: boolean;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1') return true;
  return isIPv4(host) && host.startsWith('127.');
}

type Verdict = 'https' | 'loopback' | 'vendor_test' | 'plain_http' | 'other_scheme';

function classify(raw: string): Verdict {
  const url = new URL(raw);
  if (url.protocol === 'https:') return 'https';
  if (url.protocol !== 'http:') return 'other_scheme';
  if (isLoopbackHost(url.hostname)) return 'loopback';
  if (url.host === new URL(WDT_TEST_BASE_URL).host) return 'vendor_test';
  return 'plain_http';
}

/** Problems that stop the start, each naming the variable and the rule, never the URL (it may hold a password). */
export function transportProblems(settings: TransportSettings): string[] {
  const problems: string[] = [];
  if (settings.SLACK_API_URL) {
    const verdict = classify(settings.SLACK_API_URL);
    if (verdict !== 'https' && verdict !== 'loopback') {
      problems.push(
        'SLACK_API_URL must use https:// (plain http:// is accepted only for a loopback host: localhost, 127.0.0.0/8, ::1)',
      );
    }
  }
  const wdt = classify(settings.WDT_BASE_URL);
  if (wdt === 'other_scheme') {
    problems.push('WDT_BASE_URL must be an https:// URL');
  } else if (wdt === 'plain_http' && !settings.WDT_ALLOW_HTTP) {
    problems.push(
      'WDT_BASE_URL must use https:// (plain http:// is accepted only for a loopback host, the vendor test environment, or with WDT_ALLOW_HTTP=true)',
    );
  }
  return problems;
}

/** What the operator must hear at every start about a plain-HTTP WDT connection that was allowed. */
export function transportWarnings(settings: TransportSettings): string[] {
  switch (classify(settings.WDT_BASE_URL)) {
    case 'plain_http':
      return [
        'WDT_ALLOW_HTTP=true: WDT is reached over plain HTTP. Anyone on the network path can read the sid, appkey and signs and forge WDT answers (previews, cancel outcomes) that the audit trail would record. Use https://.',
      ];
    case 'vendor_test':
      return [
        'WDT is the vendor test environment, reached over plain HTTP (it offers no HTTPS): its answers could be forged on the path. Production must use https://wdt.wangdian.cn/openapi.',
      ];
    default:
      return [];
  }
}
