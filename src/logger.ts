import { type DestinationStream, type Logger, pino } from 'pino';

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

export interface LoggerOptions {
  level?: string;
  destination?: DestinationStream;
  /** Secret values (tokens, signing secret, WDT secret) scrubbed from every line wherever they appear. */
  secrets?: readonly string[];
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const scrub = makeScrubber(options.secrets ?? []);
  return pino(
    {
      level: options.level ?? 'info',
      base: { app: 'cancel-stockin' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? scrub(arg) : arg)) as Parameters<typeof method>,
          );
        },
      },
      formatters: {
        log(object) {
          const json = JSON.stringify(object, errorReplacer);
          const clean = scrub(json);
          return clean === json ? object : JSON.parse(clean);
        },
      },
    },
    options.destination,
  );
}

/** Replaces every occurrence of a secret (and of its JSON-escaped form) with `[redacted]`. */
export function makeScrubber(secrets: readonly string[]): (text: string) => string {
  const needles = [
    ...new Set(secrets.filter((s) => s.length >= 6).flatMap((s) => [s, JSON.stringify(s).slice(1, -1)])),
  ];
  if (needles.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const needle of needles) if (out.includes(needle)) out = out.split(needle).join('[redacted]');
    return out;
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { type: value.name, message: value.message, stack: value.stack };
  return value;
}

export type { Logger };
