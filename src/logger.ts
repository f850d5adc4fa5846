import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Paths pino censors at any level. Secrets are also kept out of messages by construction (the WDT client
 * never logs its signed URL, errors carry no query string); redaction is the second line of defence.
 */
export const REDACTED_PATHS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'secret',
  'appSecret',
  'sign',
  'url',
  'query',
  'headers.authorization',
  'headers["x-slack-signature"]',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.secret',
  '*.appSecret',
  '*.sign',
  '*.url',
  '*.query',
  '*.headers.authorization',
  '*.headers["x-slack-signature"]',
  'config.SLACK_BOT_TOKEN',
  'config.SLACK_APP_TOKEN',
  'config.SLACK_SIGNING_SECRET',
  'config.WDT_APP_SECRET',
];

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { app: 'cancel-stockin' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    options.destination,
  );
}

export type { Logger };
