import type { Config } from './config.js';

/**
 * Every configured value that must never be printed: the tokens, the signing secret, the WDT secret, the
 * metrics token and the password inside DATABASE_URL. Empty strings for the unset ones.
 */
export function configuredSecrets(config: Config): string[] {
  return [
    config.SLACK_BOT_TOKEN,
    config.SLACK_SIGNING_SECRET,
    config.SLACK_APP_TOKEN ?? '',
    config.WDT_APP_SECRET,
    databasePassword(config.DATABASE_URL),
    config.METRICS_TOKEN ?? '',
  ];
}

function databasePassword(databaseUrl: string | undefined): string {
  if (!databaseUrl) return '';
  try {
    return decodeURIComponent(new URL(databaseUrl).password);
  } catch {
    return '';
  }
}
