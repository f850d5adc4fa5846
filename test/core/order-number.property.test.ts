import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_COMMAND_TEXT_LENGTH, parseCommandText } from '../../src/core/order-number.js';
import { ORDER_NUMBER_PATTERN } from '../../src/core/purchase-stockin.js';

const validOrder = fc.stringMatching(/^RK[0-9]{6,24}$/);
const nearMiss = fc.oneof(
  fc.constantFrom(
    'RK 2006030008',
    'RK-2006030008',
    'R K2006030008',
    'RK2006O30008',
    'RK',
    'KR2006030008',
    'RK2006',
  ),
  validOrder.map((o) => `${o}\u200b`),
  validOrder.map((o) => `\u202e${o}`),
  validOrder.map((o) => o.replace('RK', 'RX')),
);
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.constantFrom(
    '<!channel>',
    '<@U123>',
    '<https://x|y>',
    "'; DROP TABLE audit_entries; --",
    '\u0000',
    '\u202eRK1',
  ),
  fc.string({ maxLength: 10 }).map((s) => s.repeat(400)),
  fc.array(validOrder, { minLength: 1, maxLength: 60 }).map((orders) => orders.join(' ')),
  fc.array(fc.oneof(validOrder, nearMiss), { minLength: 1, maxLength: 5 }).map((parts) => parts.join(', ')),
  validOrder.map((o) => o.replace(/[0-9A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))),
);

describe('parseCommandText under 10,000 generated inputs', () => {
  it('never throws, and only yields order numbers that match the strict pattern', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const result = parseCommandText(text, 20);
        if (result.kind === 'orders') {
          expect(result.orderNos.length).toBeGreaterThan(0);
          expect(result.orderNos.length).toBeLessThanOrEqual(20);
          for (const order of result.orderNos) expect(order).toMatch(ORDER_NUMBER_PATTERN);
          expect(new Set(result.orderNos).size).toBe(result.orderNos.length);
        }
        if (text.length > MAX_COMMAND_TEXT_LENGTH) expect(result.kind).toBe('invalid');
      }),
      { numRuns: 10_000 },
    );
  });

  it('never accepts a near-miss number', () => {
    fc.assert(
      fc.property(nearMiss, (text) => {
        expect(parseCommandText(text, 20).kind).toBe('invalid');
      }),
      { numRuns: 2_000 },
    );
  });

  it('accepts every valid list, whatever the separators', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(validOrder, { minLength: 1, maxLength: 20 }),
        fc.constantFrom(' ', ',', '\n', ', ', '，'),
        (orders, separator) => {
          expect(parseCommandText(orders.join(separator), 20)).toEqual({ kind: 'orders', orderNos: orders });
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
