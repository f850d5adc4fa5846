import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteAuditStore } from '../../src/audit/sqlite/store.js';
import type { AuditEntry } from '../../src/core/ports/audit.js';
import { type LocalStack, startLocalStack } from '../../src/local/demo/local-stack.js';
import { buildSlashCommandBody } from '../../src/local/slack-standin/payloads.js';
import { postToBolt } from '../../src/local/slack-standin/post-to-bolt.js';
import { STANDIN_WORKSPACE } from '../../src/local/slack-standin/workspace-identity.js';
import { textsFor } from '../../src/slack/texts/index.js';
import { eventually } from '../support/process-stack.js';

const ORDER = 'RK2006030008';
const HOUR_S = 3_600;

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function auditEntries(s: LocalStack): Promise<AuditEntry[]> {
  const store = openSqliteAuditStore({ path: s.auditDbPath });
  try {
    const entries: AuditEntry[] = [];
    for await (const entry of store.entries()) entries.push(entry);
    return entries;
  } finally {
    await store.close();
  }
}

/** Nothing happened: no dialog, no lookup, no WDT call beyond the clock reading every start makes. */
function expectNothingDone(s: LocalStack) {
  expect(s.slack.callsTo('views.open')).toHaveLength(0);
  expect(s.slack.callsTo('usergroups.users.list')).toHaveLength(0);
  expect(s.wdt.calls.filter((c) => c.method !== 'system.Core.now')).toHaveLength(0);
}

function signedCommand(s: LocalStack, fields: Record<string, string>, timestampSec?: number) {
  const body = buildSlashCommandBody({ text: ORDER, response_url: s.slack.responseUrl(), ...fields });
  return postToBolt(s.url, body, {
    signingSecret: s.config.SLACK_SIGNING_SECRET,
    ...(timestampSec === undefined ? {} : { timestampSec }),
  });
}

describe('workspace binding', () => {
  it.each<[string, Record<string, string>, string]>([
    ['another team', { team_id: 'T0FOREIGN' }, 'team_id T0FOREIGN'],
    ['another app (SLACK_APP_ID set)', { api_app_id: 'A0FOREIGN' }, 'api_app_id A0FOREIGN'],
    ['an Enterprise Grid organisation', { enterprise_id: 'E0FOREIGN' }, 'enterprise_id E0FOREIGN'],
  ])(
    'refuses a correctly signed command from %s, audits it, and does nothing',
    async (_name, fields, named) => {
      stack = await startLocalStack({ env: { SLACK_APP_ID: STANDIN_WORKSPACE.appId } });
      const ack = await signedCommand(stack, fields);
      expect(ack.statusCode).toBe(200);
      expect(ack.json).toEqual({ response_type: 'ephemeral', text: textsFor('en').foreignWorkspace });

      // The refusal is recorded right after the ack.
      const s = stack;
      const refusal = await eventually(async () =>
        (await auditEntries(s)).find((entry) => entry.event === 'denied'),
      );
      expect(refusal?.record.detail).toContain(named);
      expect(refusal?.record.orderNo).toBeNull();
      expectNothingDone(stack);
    },
  );

  it('serves the workspace and app it is bound to', async () => {
    stack = await startLocalStack({ env: { SLACK_APP_ID: STANDIN_WORKSPACE.appId } });
    await stack.command(ORDER);
    expect((await stack.openedView()).callback_id).toBeDefined();
  });
});

describe('request freshness (HTTP mode)', () => {
  it('refuses a correctly signed request stamped an hour ahead with 401, and does nothing', async () => {
    stack = await startLocalStack();
    const now = Math.floor(Date.now() / 1000);
    const ahead = await signedCommand(stack, {}, now + HOUR_S);
    expect(ahead.statusCode).toBe(401);
    const behind = await signedCommand(stack, {}, now - HOUR_S);
    expect(behind.statusCode).toBe(401);
    expect(await auditEntries(stack)).toHaveLength(0);
    expectNothingDone(stack);
  });

  it("judges the window by the bot's injected request clock", async () => {
    const realNow = Date.now();
    stack = await startLocalStack({ requestClock: { now: () => new Date(realNow + HOUR_S * 1000) } });
    // Fresh by the machine's clock (Bolt's own check passes it), an hour old by the bot's.
    expect((await signedCommand(stack, {}, Math.floor(realNow / 1000))).statusCode).toBe(401);
    expect((await signedCommand(stack, {}, Math.floor(realNow / 1000) + HOUR_S)).statusCode).toBe(200);
  });
});
