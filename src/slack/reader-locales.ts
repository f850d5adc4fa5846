import type { Logger } from 'pino';
import type { Clock } from '../core/ports/clock.js';
import { slackErrorCode } from './error-code.js';
import { type Locale, type Texts, textsFor } from './texts/index.js';

/** `users.info` as WebClient offers it; only the locale is read. */
export interface UserInfoClient {
  users: {
    info(args: { user: string; include_locale: boolean }): Promise<{ user?: { locale?: string } }>;
  };
}

export interface ReaderTexts {
  /** The texts this person reads: their Slack locale when known, BOT_LOCALE otherwise. Never waits. */
  for(userId: string): Texts;
  /** Asks for their locale in the background, so that the next `for` knows it. */
  warm(userId: string): void;
}

/** Slack locales look like `zh-CN`, `zh-TW`, `en-US`, `en-GB`, `ja-JP`; only the language is matched. */
export function localeOf(slackLocale: string | undefined, fallback: Locale): Locale {
  const language = slackLocale?.toLowerCase().split(/[-_]/)[0];
  if (language === 'zh') return 'zh-CN';
  if (language === 'en') return 'en';
  return fallback;
}

const TTL_MS = 60 * 60_000;
/** A failed look-up is asked again sooner: Slack may only have hiccuped. */
const FAILED_TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 10_000;

/**
 * Each reader's language, from `users.info` with `include_locale`, cached for an hour. Ephemerals, dialogs, DMs
 * and App Home use it; channel posts keep BOT_LOCALE (they have many readers). The ack path never waits for a
 * lookup: it reads the cache (or BOT_LOCALE) and warms it for next time.
 */
export function createReaderTexts(deps: {
  client: UserInfoClient;
  fallback: Locale;
  clock: Clock;
  logger: Logger;
}): ReaderTexts {
  const cache = new Map<string, { locale: Locale; expires: number }>();
  const pending = new Map<string, Promise<Locale>>();

  function cached(userId: string): Locale | undefined {
    const hit = cache.get(userId);
    return hit && hit.expires > deps.clock.now().getTime() ? hit.locale : undefined;
  }

  function ask(userId: string): Promise<Locale> {
    const running = pending.get(userId);
    if (running) return running;
    const lookup = deps.client.users
      .info({ user: userId, include_locale: true })
      .then(
        (answer) => ({ locale: localeOf(answer.user?.locale, deps.fallback), ttlMs: TTL_MS }),
        (error: unknown) => {
          deps.logger.debug(
            { slackError: slackErrorCode(error), userId },
            'users.info failed; using BOT_LOCALE',
          );
          return { locale: deps.fallback, ttlMs: FAILED_TTL_MS };
        },
      )
      .then(({ locale, ttlMs }) => {
        if (cache.size >= MAX_ENTRIES) cache.clear();
        cache.set(userId, { locale, expires: deps.clock.now().getTime() + ttlMs });
        return locale;
      })
      .finally(() => pending.delete(userId));
    pending.set(userId, lookup);
    return lookup;
  }

  return {
    for: (userId) => textsFor(cached(userId) ?? deps.fallback),
    warm(userId) {
      if (cached(userId) === undefined) void ask(userId);
    },
  };
}
