import { describe, expect, it } from 'vitest';
import { formatHistoryLine } from '../../src/audit/cli/history-line.js';
import { advance } from '../../src/core/attempt.js';
import { owedFor } from '../../src/core/owed-messages.js';
import { settleOutcome } from '../../src/core/settle-outcome.js';
import { createLogger } from '../../src/logger.js';
import { attemptIn } from '../support/audit-fixtures.js';
import { manualClock } from '../support/core-harness.js';
import { createMemoryAuditDatabase, openMemoryAuditStore } from '../support/memory-audit-store.js';

const silent = createLogger({ level: 'silent' });
const owe = (record: Parameters<typeof owedFor>[0], late: boolean) => owedFor(record, { outcome: late });

function setUp() {
  const clock = manualClock();
  const store = openMemoryAuditStore(createMemoryAuditDatabase(clock.now));
  return { clock, store };
}

describe('recording the answer of the process that made the call', () => {
  it('writes it while the attempt is still calling', async () => {
    const { clock, store } = setUp();
    const calling = await attemptIn(store, ['confirmed', 'calling']);
    const finished = advance(calling, 'cancelled', clock.now(), { wdtOutcome: 'ok' });

    const settled = await settleOutcome(store, calling, finished, clock.now(), silent, owe);

    expect(settled).toMatchObject({ wrote: true, record: { state: 'cancelled' } });
  });

  it('settles a verdict still pending with a decisive late answer, owing a follow-up', async () => {
    const { clock, store } = setUp();
    const calling = await attemptIn(store, ['confirmed', 'calling']);
    await store.write(
      [{ from: 'calling', record: advance(calling, 'awaiting_verdict', clock.now()) }],
      clock.now(),
    );
    const finished = advance(calling, 'refused', clock.now(), { wdtOutcome: 'refused', wdtStatus: 100 });

    const settled = await settleOutcome(store, calling, finished, clock.now(), silent, owe);

    expect(settled).toMatchObject({ wrote: true, record: { state: 'refused', wdtStatus: 100 } });
    expect(await store.heldCalls()).toEqual([]);
  });

  it('overturns a final "not cancelled" with WDT’s confirmed cancel as a correction, which audit show says', async () => {
    const { clock, store } = setUp();
    const calling = await attemptIn(store, ['confirmed', 'calling']);
    const parked = await store.write(
      [{ from: 'calling', record: advance(calling, 'awaiting_verdict', clock.now()) }],
      clock.now(),
    );
    if (!parked.ok) throw new Error('the call could not be taken over');
    const waiting = parked.records[0]!;
    clock.advance(1);
    const notCancelled = advance(waiting, 'reconciled_not_cancelled', clock.now(), { statusAfter: 20 });
    expect((await store.write([{ from: 'awaiting_verdict', record: notCancelled }], clock.now())).ok).toBe(
      true,
    );
    const finished = advance(calling, 'cancelled', clock.now(), { wdtOutcome: 'ok', wdtStatus: 0 });

    const settled = await settleOutcome(store, calling, finished, clock.now(), silent, owe);

    expect(settled).toMatchObject({ wrote: true, record: { state: 'cancelled' } });
    const history = await store.orderHistory(calling.orderNo!);
    const correction = history.at(-1)!;
    expect(correction.event).toBe('corrected');
    expect(correction.record.detail).toBe(
      'correction: WDT confirmed the cancel after this attempt was recorded as reconciled_not_cancelled',
    );
    expect(formatHistoryLine(correction)).toContain('correction');
  });

  it('leaves a final record that agrees with the late answer as it is, writing nothing', async () => {
    const { clock, store } = setUp();
    const calling = await attemptIn(store, ['confirmed', 'calling']);
    await store.write(
      [
        {
          from: 'calling',
          record: advance(calling, 'reconciled_cancelled', clock.now(), { statusAfter: 10 }),
        },
      ],
      clock.now(),
    );
    const entries = (await store.verifyChain()).entries;
    const finished = advance(calling, 'cancelled', clock.now(), { wdtOutcome: 'ok' });

    const settled = await settleOutcome(store, calling, finished, clock.now(), silent, owe);

    expect(settled).toMatchObject({ wrote: false, record: { state: 'reconciled_cancelled' } });
    expect((await store.verifyChain()).entries).toBe(entries);
  });
});
