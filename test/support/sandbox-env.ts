import { SANDBOX_CREDENTIALS } from '../../src/local/wdt-standin/server.js';

/** The WDT variables that point the bot (or the doctor) at a local sandbox, with its fake credentials. */
export function wdtSandboxEnv(url: string): Record<string, string> {
  return {
    WDT_SID: SANDBOX_CREDENTIALS.sid,
    WDT_APP_KEY: SANDBOX_CREDENTIALS.appKey,
    WDT_APP_SECRET: SANDBOX_CREDENTIALS.appSecret,
    WDT_BASE_URL: url,
  };
}
