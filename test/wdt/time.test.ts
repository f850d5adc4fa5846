import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { WdtOutcome } from '../../src/core/ports/wdt.js';
import { formatShanghai, parseShanghai } from '../../src/shanghai-time.js';
import {
  describeEnvironment,
  WDT_PRODUCTION_BASE_URL,
  WDT_TEST_BASE_URL,
} from '../../src/wdt/environment.js';
import { parseServerTime } from '../../src/wdt/server-time.js';
import { SkewClock } from '../../src/wdt/skew-clock.js';
import { memoryLog } from '../support/memory-log.js';

describe('Shanghai date-times', () => {
  it('formats in UTC+8', () => {
    expect(formatShanghai(new Date('2024-04-19T16:00:00Z'))).toBe('2024-04-20 00:00:00');
    expect(formatShanghai(new Date('2024-04-20T15:59:59.999Z'))).toBe('2024-04-20 23:59:59');
  });

  it('parses what it formats', () => {
    expect(parseShanghai('2024-04-20 00:00:00')).toEqual(new Date('2024-04-19T16:00:00Z'));
  });

  it.each(['', '0000-00-00 00:00:00', '2024-02-30 00:00:00', '2024-04-20T00:00:00', '2024-04-20', 'soon'])(
    'rejects %j',
    (text) => {
      expect(parseShanghai(text)).toBeNull();
    },
  );
});

describe('parseServerTime', () => {
  const at = new Date('2026-11-28T12:00:00Z');
  it.each([
    ['seconds since 1970', at.getTime() / 1000],
    ['seconds since 2012', at.getTime() / 1000 - 1_325_347_200],
    ['milliseconds since 1970', at.getTime()],
    ['seconds as a string', String(at.getTime() / 1000)],
  ])('reads %s', (_label, data) => {
    expect(parseServerTime(data)).toEqual(at);
  });

  it.each([null, undefined, '', 'now', -5, 0, Number.NaN, {}])('rejects %j', (data) => {
    expect(parseServerTime(data)).toBeNull();
  });
});

describe('describeEnvironment', () => {
  it.each([
    [WDT_PRODUCTION_BASE_URL, { host: 'wdt.wangdian.cn', kind: 'production' }],
    ['https://WDT.wangdian.cn/openapi', { host: 'wdt.wangdian.cn', kind: 'production' }],
    [WDT_TEST_BASE_URL, { host: '47.92.239.46', kind: 'test' }],
    ['http://127.0.0.1:4455/openapi', { host: '127.0.0.1:4455', kind: 'other' }],
    ['not a url', { host: '', kind: 'other' }],
  ])('describes %s', (url, expected) => {
    expect(describeEnvironment(url)).toEqual(expected);
  });
});

describe('SkewClock', () => {
  const base = { now: () => new Date('2026-01-01T00:00:00Z') };
  const answering = (data: Date) => ({
    serverTime: async (): Promise<WdtOutcome<Date>> => ({ kind: 'ok', data, durationMs: 1 }),
  });

  it('starts uncorrected, then adds the measured skew', async () => {
    const clock = new SkewClock({ base, logger: pino({ level: 'silent' }) });
    expect(clock.now()).toEqual(base.now());
    expect(await clock.measure(answering(new Date('2026-01-01T00:00:45Z')))).toBe(45_000);
    expect(clock.now()).toEqual(new Date('2026-01-01T00:00:45Z'));
  });

  it('warns above 30 s, in either direction, and not at 30 s', async () => {
    const log = memoryLog();
    const clock = new SkewClock({ base, logger: pino({ level: 'trace' }, log.destination) });
    await clock.measure(answering(new Date('2026-01-01T00:00:30Z')));
    expect(log.lines).toHaveLength(0);
    await clock.measure(answering(new Date('2025-12-31T23:59:29Z')));
    expect(log.entries()).toEqual([expect.objectContaining({ level: 40, skewMs: -31_000 })]);
  });
});
