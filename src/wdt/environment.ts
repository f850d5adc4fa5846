import type { WdtEnvironment } from '../core/ports/wdt.js';

/**
 * The vendor's test environment: the default, so that nothing reaches production unless asked to. It offers
 * no HTTPS; production does, and is only ever reached over it (see config/transport.ts).
 */
export const WDT_TEST_BASE_URL = 'http://47.92.239.46/openapi';
export const WDT_PRODUCTION_BASE_URL = 'https://wdt.wangdian.cn/openapi';

const PRODUCTION_HOST = new URL(WDT_PRODUCTION_BASE_URL).hostname;
const TEST_HOST = new URL(WDT_TEST_BASE_URL).hostname;

/** Which WDT a base URL points at, so every message can say whether a cancel touched real data. */
export function describeEnvironment(baseUrl: string): WdtEnvironment {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return { host: '', kind: 'other' };
  }
  const hostname = url.hostname.toLowerCase();
  const kind = hostname === PRODUCTION_HOST ? 'production' : hostname === TEST_HOST ? 'test' : 'other';
  return { host: url.host.toLowerCase(), kind };
}
