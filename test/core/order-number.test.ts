import { describe, expect, it } from 'vitest';
import { findOrderNumbers, MAX_COMMAND_TEXT_LENGTH, parseCommandText } from '../../src/core/order-number.js';

describe('parseCommandText', () => {
  it.each([
    ['RK2006030008', ['RK2006030008']],
    ['  rk2006030008  ', ['RK2006030008']],
    ['#RK2006030008', ['RK2006030008']],
    ['＃ＲＫ２００６０３０００８', ['RK2006030008']],
    ['RK2006030008\n', ['RK2006030008']],
  ])('accepts %j', (text, expected) => {
    expect(parseCommandText(text, 20)).toEqual({ kind: 'orders', orderNos: expected });
  });

  it.each(['', '   ', 'help', 'HELP', '帮助'])('treats %j as a request for help', (text) => {
    expect(parseCommandText(text, 20)).toEqual({ kind: 'help' });
  });

  it.each([
    ['hello', 'not_an_order_number'],
    ['RK 2006030008', 'not_an_order_number'],
    ['RK2006030008; DROP TABLE', 'not_an_order_number'],
    ['<!channel>', 'not_an_order_number'],
    ['RK12345', 'not_an_order_number'],
    ['XS2006030008', 'not_an_order_number'],
    ['RK2006\u200b030008', 'bad_characters'],
    ['RK2006030008\u202e', 'bad_characters'],
    ['RK2006030008\u0000', 'bad_characters'],
  ])('refuses %j as %s', (text, problem) => {
    expect(parseCommandText(text, 20)).toMatchObject({ kind: 'invalid', problem });
  });

  it('skips NFKC only where it changes nothing: every printable ASCII character is already NFKC', () => {
    const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
    expect(printable.filter((c) => c.normalize('NFKC') !== c)).toEqual([]);
    expect(parseCommandText('ＲＫ２００６０３０００８，rk2006030009', 20)).toEqual({
      kind: 'orders',
      orderNos: ['RK2006030008', 'RK2006030009'],
    });
  });

  it('refuses text longer than the bound before looking at it', () => {
    expect(parseCommandText('R'.repeat(MAX_COMMAND_TEXT_LENGTH + 1), 20)).toEqual({
      kind: 'invalid',
      problem: 'too_long',
    });
  });

  it('splits lists on spaces, commas and new lines and drops duplicates', () => {
    expect(parseCommandText('RK1000001, rk1000002\nRK1000001 RK1000003', 20)).toEqual({
      kind: 'orders',
      orderNos: ['RK1000001', 'RK1000002', 'RK1000003'],
    });
  });

  it('refuses more orders than allowed', () => {
    expect(parseCommandText('RK1000001 RK1000002', 1)).toEqual({
      kind: 'invalid',
      problem: 'too_many_orders',
    });
  });

  it('keeps only a short sample of the offending token', () => {
    const result = parseCommandText(`x${'y'.repeat(500)}`, 20);
    expect(result.kind === 'invalid' && result.sample?.length).toBe(40);
  });
});

describe('order numbers in a message (the message shortcut)', () => {
  it('finds numbers among prose, folds case and full width, drops duplicates, keeps their order', () => {
    expect(
      findOrderNumbers(
        ['入库单RK2006030009需要取消，另：rk2006030008', '*RK2006030009* ＲＫ２００６０３０００８'],
        20,
      ),
    ).toEqual({ kind: 'orders', orderNos: ['RK2006030009', 'RK2006030008'] });
  });

  it('takes no part of a longer token: a number touched by letters or digits is not that order', () => {
    for (const text of ['XRK2006030008', 'RK2006030008X', 'RK2006030008123456789012345678', 'RK12345']) {
      expect(findOrderNumbers([text], 20)).toEqual({ kind: 'none' });
    }
  });

  it('refuses a message with hidden characters, and more numbers than the batch allows', () => {
    expect(findOrderNumbers(['RK200603\u200b0008'], 20)).toEqual({
      kind: 'invalid',
      problem: 'bad_characters',
    });
    expect(findOrderNumbers(['RK2006030008 RK2006030009'], 1)).toEqual({
      kind: 'invalid',
      problem: 'too_many_orders',
    });
  });
});
