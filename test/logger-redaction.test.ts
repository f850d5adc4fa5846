import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { memoryLog } from './support/memory-log.js';

const BOT_TOKEN = 'xoxb-1111-2222-abcdefSECRET';
const WDT_SECRET = 'wdt-secret:"salt\\with\\quotes"';

function loggerWith(level = 'trace') {
  const log = memoryLog();
  const logger = createLogger({ level, destination: log.destination, secrets: [BOT_TOKEN, WDT_SECRET] });
  return { log, logger };
}

describe('the logger keeps secrets out of every line', () => {
  it('scrubs a configured secret wherever it appears: message, format arguments, fields, nested errors', () => {
    const { log, logger } = loggerWith();
    logger.info(`calling Slack with ${BOT_TOKEN}`);
    logger.warn('signing with %s', WDT_SECRET);
    logger.error({ detail: `bad ${BOT_TOKEN}`, nested: { deeper: [WDT_SECRET] } }, 'failed');
    logger.debug({ err: new Error(`WDT rejected ${WDT_SECRET}`) }, 'error with a secret in its message');
    logger.trace({ cause: { message: BOT_TOKEN } }, 'trace');

    expect(log.lines).toHaveLength(5);
    const text = log.text();
    for (const secret of [BOT_TOKEN, WDT_SECRET, JSON.stringify(WDT_SECRET).slice(1, -1), 'abcdefSECRET']) {
      expect(text).not.toContain(secret);
    }
    expect(log.entries()[0]).toMatchObject({ msg: expect.stringContaining('calling Slack with') });
  });

  it('redacts the fields that hold credentials, even when the value is not a configured secret', () => {
    const { log, logger } = loggerWith('info');
    const values = {
      token: 'xoxp-not-configured-1',
      signingSecret: 'not-configured-2',
      url: 'https://wdt.example/openapi?sign=not-configured-3',
      query: 'sign=not-configured-4',
    };
    logger.info(values, 'top level');
    logger.info({ client: values, headers: { authorization: 'Bearer not-configured-5' } }, 'one level down');
    logger.info(
      { config: { SLACK_BOT_TOKEN: 'not-configured-6', WDT_APP_SECRET: 'not-configured-7' } },
      'config',
    );

    const text = log.text();
    for (let i = 1; i <= 7; i += 1) expect(text).not.toContain(`not-configured-${i}`);
    const [top, nested, config] = log.entries();
    expect(Object.keys(top ?? {})).toEqual(
      expect.arrayContaining(['token', 'signingSecret', 'url', 'query']),
    );
    expect(nested).toMatchObject({ client: { token: expect.any(String) }, headers: expect.any(Object) });
    expect(config).toMatchObject({ config: { SLACK_BOT_TOKEN: expect.any(String) } });
  });

  it('leaves ordinary fields alone', () => {
    const { log, logger } = loggerWith('info');
    logger.info({ orderNo: 'RK2006030008', attemptId: '01J0000000000000000000000' }, 'cancel finished');
    expect(log.entries()[0]).toMatchObject({ orderNo: 'RK2006030008', msg: 'cancel finished' });
  });
});
