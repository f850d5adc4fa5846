import { describe, expect, it } from 'vitest';
import { MAX_REASON_LENGTH, parseCommandText } from '../../src/core/order-number.js';

describe('operator commands in /cancel-stockin', () => {
  it('reads pause with its reason, kept as typed apart from runs of spaces', () => {
    expect(parseCommandText('pause  stocktake, back at 18:00', 20)).toEqual({
      kind: 'pause',
      reason: 'stocktake, back at 18:00',
    });
    expect(parseCommandText('PAUSE WDT incident', 20)).toEqual({ kind: 'pause', reason: 'WDT incident' });
    expect(parseCommandText('暂停 月末结账', 20)).toEqual({ kind: 'pause', reason: '月末结账' });
  });

  it('refuses a pause without a reason', () => {
    expect(parseCommandText('pause', 20)).toEqual({ kind: 'invalid', problem: 'reason_required' });
    expect(parseCommandText('  pause   ', 20)).toEqual({ kind: 'invalid', problem: 'reason_required' });
  });

  it('cuts a reason at the longest kept', () => {
    const parsed = parseCommandText(`pause ${'x'.repeat(MAX_REASON_LENGTH + 50)}`, 20);
    expect(parsed).toEqual({ kind: 'pause', reason: 'x'.repeat(MAX_REASON_LENGTH) });
  });

  it('reads resume and status, ignoring what follows', () => {
    expect(parseCommandText('resume', 20)).toEqual({ kind: 'resume' });
    expect(parseCommandText('Status please', 20)).toEqual({ kind: 'status' });
    expect(parseCommandText('恢复', 20)).toEqual({ kind: 'resume' });
    expect(parseCommandText('状态', 20)).toEqual({ kind: 'status' });
  });

  it('reads unlock with one folded order number and an optional reason', () => {
    expect(parseCommandText('unlock rk2006030008', 20)).toEqual({
      kind: 'unlock',
      orderNo: 'RK2006030008',
      reason: null,
    });
    expect(parseCommandText('unlock #RK2006030008 WDT down since noon', 20)).toEqual({
      kind: 'unlock',
      orderNo: 'RK2006030008',
      reason: 'WDT down since noon',
    });
  });

  it('refuses unlock without an order number, naming what was typed', () => {
    expect(parseCommandText('unlock', 20)).toEqual({
      kind: 'invalid',
      problem: 'unlock_one_order',
      sample: '',
    });
    expect(parseCommandText('unlock XX123', 20)).toEqual({
      kind: 'invalid',
      problem: 'unlock_one_order',
      sample: 'XX123',
    });
  });

  it('still refuses hidden characters before reading any word', () => {
    expect(parseCommandText('pause\u200b stocktake', 20)).toEqual({
      kind: 'invalid',
      problem: 'bad_characters',
    });
  });

  it('leaves order lists and help as they were', () => {
    expect(parseCommandText('RK2006030008 RK2006030009', 20)).toEqual({
      kind: 'orders',
      orderNos: ['RK2006030008', 'RK2006030009'],
    });
    expect(parseCommandText('help', 20)).toEqual({ kind: 'help' });
    expect(parseCommandText('pauses', 20)).toMatchObject({ kind: 'invalid', problem: 'not_an_order_number' });
  });
});
