import { createBot } from './app.js';
import { ConfigError, loadConfig } from './config/config.js';
import { createLogger } from './logger.js';
import { boundMemory } from './memory-flags.js';

async function main(): Promise<void> {
  boundMemory();
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `cancel-stockin cannot start.\n${error.message}\nSee .env.example for every variable.\n`,
      );
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({
    level: config.LOG_LEVEL,
    secrets: [
      config.SLACK_BOT_TOKEN,
      config.SLACK_SIGNING_SECRET,
      config.SLACK_APP_TOKEN ?? '',
      config.WDT_APP_SECRET,
      config.METRICS_TOKEN ?? '',
    ],
  });
  const bot = await createBot(config, { logger });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new cancels, waiting for in-flight ones');
    bot.stop().then(
      ({ drained }) => {
        logger.info({ drained }, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  await bot.start();
}

main().catch((error: unknown) => {
  process.stderr.write(
    `cancel-stockin failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
