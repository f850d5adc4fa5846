import { describe, expect, it } from 'vitest';
import { isFreshSlackTimestamp, MAX_REQUEST_SKEW_SECONDS } from '../../src/slack/request-freshness.js';

const now = new Date('2026-12-04T08:00:00Z');
const nowSec = now.getTime() / 1000;

describe('isFreshSlackTimestamp', () => {
  it.each([
    ['now', String(nowSec), true],
    ['exactly 300 s behind', String(nowSec - MAX_REQUEST_SKEW_SECONDS), true],
    ['exactly 300 s ahead', String(nowSec + MAX_REQUEST_SKEW_SECONDS), true],
    ['301 s behind', String(nowSec - 301), false],
    ['301 s ahead', String(nowSec + 301), false],
    ['an hour ahead', String(nowSec + 3_600), false],
    ['missing', undefined, false],
    ['not a number', 'soon', false],
    ['fractional', `${nowSec}.5`, false],
    ['negative', '-1', false],
    ['repeated', [String(nowSec), String(nowSec)], false],
  ])('%s → %s', (_name, header, fresh) => {
    expect(isFreshSlackTimestamp(header, now)).toBe(fresh);
  });
});
