import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shanghaiTime } from '../src/shanghai-time.js';
import { formatUtcAndShanghai } from '../src/slack/format-time.js';

/** The oracle: the time-zone database, through a locale whose format is already `YYYY-MM-DD hh:mm:ss`. */
const byDatabase = (at: Date) => at.toLocaleString('sv-SE', { timeZone: 'Asia/Shanghai' });

describe('shanghaiTime', () => {
  it('agrees with the time-zone database for any instant from 1970 to 2200', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(2200, 0, 1) }), (ms) => {
        const at = new Date(ms);
        expect(shanghaiTime(at)).toBe(byDatabase(at));
      }),
      { numRuns: 20_000 },
    );
  });

  it('keeps the daylight-saving hour of 1986-1991 (UTC+9 in summer)', () => {
    expect(shanghaiTime(new Date('1991-07-01T00:00:00Z'))).toBe('1991-07-01 09:00:00');
    expect(shanghaiTime(new Date('1991-12-01T00:00:00Z'))).toBe('1991-12-01 08:00:00');
  });
});

describe('formatUtcAndShanghai', () => {
  it('shows both clocks, across a date line', () => {
    expect(formatUtcAndShanghai('2026-11-28T13:05:09.123Z')).toBe(
      '2026-11-28 13:05:09 UTC · 2026-11-28 21:05:09 Asia/Shanghai',
    );
    expect(formatUtcAndShanghai('2026-12-31T20:00:00Z')).toBe(
      '2026-12-31 20:00:00 UTC · 2027-01-01 04:00:00 Asia/Shanghai',
    );
  });
});
