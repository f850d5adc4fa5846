import { describe, expect, it } from 'vitest';
import { stateForCancelOutcome } from '../../src/core/outcome-state.js';
import type { WdtOutcome } from '../../src/core/ports/wdt.js';

describe('the audit state of a cancel outcome', () => {
  it.each<[WdtOutcome<null>, string, Record<string, unknown>]>([
    [
      { kind: 'ok', data: null, durationMs: 12.6 },
      'cancelled',
      { wdtStatus: 0, statusAfter: 10, durationMs: 13 },
    ],
    [
      { kind: 'refused', status: 1, code: 'E1', message: '入库单状态不为编辑中', durationMs: 5 },
      'refused',
      { wdtStatus: 1, wdtCode: 'E1', wdtMessage: '入库单状态不为编辑中', wdtOutcome: 'refused' },
    ],
    [
      { kind: 'rate_limited', message: '超过每分钟最大调用次数', attempts: 3, durationMs: 5 },
      'refused',
      { wdtStatus: 100, detail: 'rate limited after 3 attempts' },
    ],
    [
      { kind: 'not_sent', reason: 'connect ECONNREFUSED', durationMs: 1 },
      'failed',
      { detail: 'connect ECONNREFUSED' },
    ],
    [
      { kind: 'unknown', reason: 'headers timeout', durationMs: 10_000 },
      'awaiting_verdict',
      { detail: 'headers timeout' },
    ],
    [
      { kind: 'protocol_error', httpStatus: 502, reason: 'HTML body', durationMs: 5 },
      'awaiting_verdict',
      { detail: 'HTTP 502: HTML body' },
    ],
  ])('%o becomes %s', (outcome, state, patch) => {
    const mapped = stateForCancelOutcome(outcome);
    expect(mapped.state).toBe(state);
    expect(mapped.patch).toMatchObject({ wdtOutcome: outcome.kind, ...patch });
  });

  it('never reports a gateway failure as not cancelled: the backend may have acted', () => {
    expect(
      stateForCancelOutcome({ kind: 'protocol_error', httpStatus: 504, reason: 'gateway', durationMs: 1 })
        .state,
    ).not.toBe('failed');
  });
});
