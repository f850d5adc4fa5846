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

/** Shorter values (an empty optional token, a placeholder) would blank out ordinary words. */
const MIN_SECRET_LENGTH = 6;

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { app: 'cancel-stockin' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // The finished line, whatever put the secret there: a message, an error's cause chain, an error's own
      // fields, an object at any depth, a child logger's bindings.
      hooks: { streamWrite: makeScrubber(options.secrets ?? []) },
    },
    options.destination,
  );
}

/**
 * Replaces every occurrence of a secret with `[redacted]`, in each form it can take in a JSON line: as is,
 * JSON-escaped (a secret with `"`, `\` or a control character), escaped twice (a JSON text carried inside a
 * string field, such as an HTTP body in an error message), and with non-ASCII written as `\uXXXX` (as JSON
 * encoders that keep output ASCII write it). Longer forms go first so no shorter one leaves a remnant.
 */
export function makeScrubber(secrets: readonly string[]): (text: string) => string {
  const needles = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap(spellings))].sort(
    (a, b) => b.length - a.length,
  );
  if (needles.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const needle of needles) if (out.includes(needle)) out = out.split(needle).join('[redacted]');
    return out;
  };
}

function spellings(secret: string): string[] {
  const forms = [secret, asciiOnly(secret, 'lower'), asciiOnly(secret, 'upper')];
  return forms.flatMap((form) => [form, jsonEscape(form), jsonEscape(jsonEscape(form))]);
}

function jsonEscape(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** Each UTF-16 unit outside ASCII as `\uXXXX`, surrogate pairs as two escapes, the way JSON writes them. */
function asciiOnly(text: string, hexCase: 'lower' | 'upper'): string {
  return text.replace(/\P{ASCII}/gu, (ch) =>
    Array.from({ length: ch.length }, (_, i) => {
      const hex = ch.charCodeAt(i).toString(16).padStart(4, '0');
      return `\\u${hexCase === 'lower' ? hex : hex.toUpperCase()}`;
    }).join(''),
  );
}

export type { Logger };
