import { DEFAULT_ACTOR } from '../../src/local/slack-standin/payloads.js';
import { type SlackStandin, startSlackStandin } from '../../src/local/slack-standin/web-api.js';
import {
  SANDBOX_CREDENTIALS,
  type SandboxOrder,
  startWdtSandbox,
  type WdtSandbox,
} from '../../src/local/wdt-standin/server.js';

/** Fake credentials for the benchmark only, like the local stack's. */
export const BENCH_SIGNING_SECRET = 'bench-signing-secret';
export const BENCH_BOT_TOKEN = 'xoxb-bench-bot-token';

/** The order every slash command names: the command path never calls WDT, so one valid order serves all. */
export const COMMAND_ORDER_NO = 'RK2006030008';

const EDITING = 20;

/** Distinct cancellable orders (status 20) for the confirm path: RK9000000001, RK9000000002, … */
export function benchOrders(count: number, now = new Date()): SandboxOrder[] {
  return Array.from({ length: count }, (_, index) => ({
    stockinId: 900_000 + index,
    stockinNo: `RK9${String(index + 1).padStart(9, '0')}`,
    status: EDITING,
    warehouseNo: 'HZ-XS01',
    purchaseId: 700_000 + index,
    purchaseNo: `CG9${String(index + 1).padStart(9, '0')}`,
    providerNo: 'GYS0012',
    providerName: 'Bench Supplier Co.',
    remark: '',
    operatorName: 'bench',
    createdAt: new Date(now.getTime() - 30 * 3_600_000),
    modifiedAt: new Date(now.getTime() - 2 * 3_600_000),
    details: [
      {
        goodsNo: 'BWB500',
        goodsName: 'Vacuum flask',
        specNo: 'BWB500-01',
        specName: '500ml',
        unitName: 'pc',
        num: 120,
        price: 18.5,
      },
    ],
  }));
}

export interface BenchServices {
  wdt: WdtSandbox;
  slack: SlackStandin;
  /** The bot's environment, pointing at these services (PORT and AUDIT_DB_PATH added by the caller). */
  botEnv: Record<string, string>;
  close(): Promise<void>;
}

/** The WDT sandbox and the Slack Web API stand-in, in the benchmark process, on loopback. */
export async function startBenchServices(): Promise<BenchServices> {
  const wdt = await startWdtSandbox({ port: 0 });
  const slack = await startSlackStandin({ port: 0 });
  return {
    wdt,
    slack,
    botEnv: {
      SLACK_BOT_TOKEN: BENCH_BOT_TOKEN,
      SLACK_SIGNING_SECRET: BENCH_SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      WDT_SID: SANDBOX_CREDENTIALS.sid,
      WDT_APP_KEY: SANDBOX_CREDENTIALS.appKey,
      WDT_APP_SECRET: SANDBOX_CREDENTIALS.appSecret,
      WDT_BASE_URL: wdt.url,
      WDT_TIMEOUT_MS: '5000',
      CANCEL_ALLOWED_USERS: DEFAULT_ACTOR.id,
      BOT_LOCALE: 'en',
    },
    async close() {
      await slack.close();
      await wdt.close();
    },
  };
}
