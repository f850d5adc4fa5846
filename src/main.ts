import { createBot } from './app.js';
import { AuditStoreUnusableError } from './audit/store-failure.js';
import { ConfigError, loadConfig } from './config/config.js';
import { configuredSecrets } from './config/secrets.js';
import { EnvFileError, type EnvFileResult, loadEnvFile } from './env-file.js';
import { createLogger } from './logger.js';
import { boundMemory } from './memory-flags.js';

function cannotStart(message: string): never {
  process.stderr.write(
    `cancel-stockin cannot start.\n${message}\nEvery variable is described in docs/configuration.md.\n`,
  );
  process.exit(1);
}

async function main(): Promise<void> {
  boundMemory();
  let envFile: EnvFileResult;
  let config: ReturnType<typeof loadConfig>;
  try {
    envFile = loadEnvFile({ cwd: process.cwd(), env: process.env });
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) cannotStart(error.message);
    if (error instanceof EnvFileError) cannotStart(error.message);
    throw error;
  }
  const logger = createLogger({
    level: config.LOG_LEVEL,
    secrets: configuredSecrets(config),
  });
  if (envFile.path !== null) {
    logger.info(
      {
        envFile: envFile.path,
        variables: envFile.applied.length,
        environmentWins: envFile.keptFromEnvironment,
      },
      `loaded ${envFile.path}; variables already in the environment were kept`,
    );
  }
  let bot: Awaited<ReturnType<typeof createBot>>;
  try {
    bot = await createBot(config, { logger });
  } catch (error) {
    if (error instanceof AuditStoreUnusableError) {
      logger.error(
        { variable: error.target.variable, where: error.target.where },
        `${error.message}. Fix ${error.target.variable} and start again; the bot does not start on it.`,
      );
      process.exit(1);
    }
    throw error;
  }
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
