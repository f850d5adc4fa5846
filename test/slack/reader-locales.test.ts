import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createReaderTexts, localeOf } from '../../src/slack/reader-locales.js';
import { en } from '../../src/slack/texts/en.js';
import { zhCN } from '../../src/slack/texts/zh-cn.js';
import { manualClock } from '../support/core-harness.js';
import { eventually } from '../support/process-stack.js';

describe("each reader's language", () => {
  it('maps Slack locales by language, anything else to BOT_LOCALE', () => {
    expect(localeOf('zh-CN', 'en')).toBe('zh-CN');
    expect(localeOf('zh-TW', 'en')).toBe('zh-CN');
    expect(localeOf('en-GB', 'zh-CN')).toBe('en');
    expect(localeOf('ja-JP', 'zh-CN')).toBe('zh-CN');
    expect(localeOf(undefined, 'en')).toBe('en');
  });

  it('answers from the cache without waiting, learns in the background, and falls back silently', async () => {
    const asked: string[] = [];
    const readers = createReaderTexts({
      client: {
        users: {
          async info({ user }) {
            asked.push(user);
            if (user === 'U0BROKEN') throw new Error('user_not_found');
            return { user: { locale: 'zh-CN' } };
          },
        },
      },
      fallback: 'en',
      clock: manualClock(),
      logger: createLogger({ level: 'silent' }),
    });
    expect(readers.for('U0WANG')).toBe(en);
    readers.warm('U0WANG');
    readers.warm('U0WANG');
    await eventually(() => readers.for('U0WANG') === zhCN);
    readers.warm('U0WANG');
    readers.warm('U0BROKEN');
    await eventually(() => asked.length === 2);
    expect(readers.for('U0BROKEN')).toBe(en);
    // One look-up per person while it is cached or running.
    expect(asked).toEqual(['U0WANG', 'U0BROKEN']);
  });
});
