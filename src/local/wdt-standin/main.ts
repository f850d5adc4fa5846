import { SANDBOX_CREDENTIALS, startWdtSandbox } from './server.js';

/** `npm run sandbox`: a local WDT qjb on SANDBOX_PORT (default 4455) until Ctrl-C. */
async function main(): Promise<void> {
  const port = Number(process.env.SANDBOX_PORT ?? 4455);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error('SANDBOX_PORT must be a port number (0 to 65535)');
  }
  const sandbox = await startWdtSandbox({ port });
  const say = (text: string) => process.stdout.write(`${text}\n`);
  say(`WDT qjb sandbox listening on ${sandbox.url}`);
  say('Fake demo credentials (valid for this sandbox only):');
  say(`  WDT_BASE_URL=${sandbox.url}`);
  say(`  WDT_SID=${SANDBOX_CREDENTIALS.sid}`);
  say(`  WDT_APP_KEY=${SANDBOX_CREDENTIALS.appKey}`);
  say(`  WDT_APP_SECRET=${SANDBOX_CREDENTIALS.appSecret}`);
  say(`Orders: ${[...sandbox.orders.values()].map((o) => `${o.stockinNo} (${o.status})`).join(', ')}`);
  say(`Faults: curl -X POST ${new URL('/__sandbox/faults', sandbox.url)} -d '{"rateLimitNext":2}'`);

  const stop = () => {
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `sandbox failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
