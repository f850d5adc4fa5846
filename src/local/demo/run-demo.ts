import { runAuditCli } from '../../audit/cli.js';
import { WDT_METHOD } from '../../wdt/methods.js';
import { DEFAULT_ACTOR } from '../slack-standin/payloads.js';
import { startLocalStack } from './local-stack.js';
import { renderBlocks } from './render-blocks.js';

/**
 * `npm run demo`: the whole flow on this machine with no credentials. The WDT sandbox, a stand-in for the
 * Slack Web API and the real bot in HTTP mode; a scripted person types commands and confirms the modal.
 */
async function main(): Promise<void> {
  const stack = await startLocalStack({ env: { BOT_LOCALE: process.env.BOT_LOCALE ?? 'en' } });
  const say = (text: string) => process.stdout.write(`${text}\n`);
  try {
    say(`WDT sandbox: ${stack.wdt.url}   Slack stand-in: ${stack.slack.apiUrl}   bot: ${stack.url}\n`);

    say(`1) @${DEFAULT_ACTOR.name} types: /cancel-stockin RK2006030008`);
    await stack.command('RK2006030008');
    const view = await stack.openedView();
    say(`   The bot opens the modal "${view.title.text}":`);
    say(renderBlocks(view.blocks));
    say('   They type a reason and press "Cancel order".');
    await stack.submit(view, 'Supplier delivered the wrong SKU; purchase order re-issued');
    const first = await stack.slack.waitFor('chat.postMessage');
    say('\n   #stock-ops now shows:');
    say(renderBlocks(first.args.blocks));

    say(
      '\n2) They try the same order again: the dialog shows it is no longer in 编辑中 and offers no Confirm.',
    );
    await stack.command('RK2006030008');
    const again = await stack.openedView();
    if (again.submit) throw new Error('the dialog offered to confirm an order that is already cancelled');
    say(renderBlocks(again.blocks));

    say('\n3) A typo: /cancel-stockin hello');
    const typo = await stack.command('hello');
    say(
      `   Only they see: ${String((typo.json as { text?: string } | undefined)?.text ?? '').split('\n')[0]}`,
    );

    say('\n4) Someone not on the allowlist: /cancel-stockin RK2006030009');
    await stack.command('RK2006030009', { id: 'U0INTRUDER', name: 'intruder' });
    const refusal = await stack.slack.waitFor('response_url');
    say(`   Only they see: ${String(refusal.args.text)}`);

    say(
      '\n5) A WDT alert arrives in #stock-ops; they choose "Cancel stock-in order…" on it (a message shortcut).',
    );
    const alert = {
      ts: '1700000500.000100',
      text: '【旺店通】入库单 RK2006030009 到货数量与采购单不符，请处理',
    };
    say(`   The message: ${alert.text}`);
    await stack.driver.messageShortcut(alert);
    const fromMessage = await stack.openedView();
    say('   The bot finds the order number in it and opens the same dialog:');
    say(renderBlocks(fromMessage.blocks));
    await stack.submit(fromMessage, 'Quantity differs from the purchase order');
    const threaded = await stack.slack.waitFor(
      (c) => c.method === 'chat.postMessage' && c.args.thread_ts === alert.ts,
      { timeoutMs: 10_000 },
    );
    say("\n   The outcome is posted in the alert's thread:");
    say(renderBlocks(threaded.args.blocks));

    say(
      `\nWDT sandbox received ${stack.wdt.calls.filter((c) => c.method === WDT_METHOD.cancelStockin).length} cancel call(s).`,
    );
    say('\nThe audit trail (npm run audit -- show RK2006030008):');
    await runAuditCli(['show', 'RK2006030008', '--db', stack.auditDbPath], {
      env: {},
      stdout: process.stdout,
      stderr: process.stderr,
    });
    // The outcome message ends with the chain's head when it was posted: a witness the database must still hold.
    const head = /(\d+)[^\d`]*`([0-9a-f]{64})`/.exec(JSON.stringify(first.args.blocks));
    if (!head) throw new Error("the outcome message does not show the audit chain's head");
    const witness = `${head[1]}:${head[2]}`;
    say(`\nnpm run audit -- verify --witness ${witness}   (the head shown on the #stock-ops message):`);
    const verified = await runAuditCli(['verify', '--db', stack.auditDbPath, '--witness', witness], {
      env: {},
      stdout: process.stdout,
      stderr: process.stderr,
    });
    process.exitCode = verified;
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
