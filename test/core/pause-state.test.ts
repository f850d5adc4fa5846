import { describe, expect, it } from 'vitest';
import { createOperatorControl } from '../../src/core/operator-control.js';
import { createPauseState } from '../../src/core/pause-state.js';
import type { ControlEntry } from '../../src/core/ports/audit.js';
import { createLogger } from '../../src/logger.js';
import { buildRecord, writeHistory } from '../support/audit-fixtures.js';
import { manualClock } from '../support/core-harness.js';
import { openMemoryAuditStore } from '../support/memory-audit-store.js';
import { memoryLog } from '../support/memory-log.js';
import { eventually } from '../support/process-stack.js';

function fakeRead() {
  let answer: ControlEntry | null | Error = null;
  let reads = 0;
  return {
    set(value: ControlEntry | null | Error) {
      answer = value;
    },
    get reads() {
      return reads;
    },
    read: async () => {
      reads += 1;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

function setup() {
  const log = memoryLog();
  const logger = createLogger({ level: 'info', destination: log.destination });
  let now = 0;
  const source = fakeRead();
  const state = createPauseState({
    read: source.read,
    logger,
    staleAfterMs: 3_000,
    timers: { now: () => now, every: () => () => undefined },
  });
  return { log, source, state, tick: (ms: number) => (now += ms) };
}

const pausedEntry = () =>
  ({
    seq: 7,
    entryId: 'E',
    event: 'paused',
    at: '2024-05-01T04:00:00.000Z',
    prevHash: 'p',
    hash: 'h',
    record: { ...buildRecord(), requesterId: 'U0OP', reason: 'stocktake', channelId: 'C0OPS', orderNo: null },
  }) as unknown as ControlEntry;

describe('the cached pause state', () => {
  it('refuses (unknown) until the first reading, then answers from the cache without reading', async () => {
    const { source, state } = setup();
    expect(state.current().kind).toBe('unknown');
    // Asked while unknown, it starts a reading of its own in the background.
    await eventually(() => state.current().kind === 'running');
    source.set(pausedEntry());
    await state.refresh();
    const reads = source.reads;
    expect(state.current()).toEqual({
      kind: 'paused',
      by: 'U0OP',
      since: '2024-05-01T04:00:00.000Z',
      reason: 'stocktake',
      channelId: 'C0OPS',
    });
    state.current();
    expect(source.reads).toBe(reads);
  });

  it('keeps the last good view through a failed read, and refuses once it is stale, logging the cause once', async () => {
    const { log, source, state, tick } = setup();
    await state.refresh();
    expect(state.current().kind).toBe('running');
    source.set(new Error('connection refused'));
    tick(1_000);
    await state.refresh();
    expect(state.current().kind).toBe('running');
    tick(2_500);
    await state.refresh();
    expect(state.current()).toEqual({ kind: 'unknown', cause: 'connection refused' });
    state.current();
    const refusals = log.entries().filter((l) => /cancels are refused until it can/.test(String(l.msg)));
    expect(refusals).toHaveLength(1);
    source.set(null);
    await eventually(async () => (await state.refresh()).kind === 'running');
    expect(state.current().kind).toBe('running');
  });

  it('reads one at a time: refreshes during a read share it', async () => {
    const { source, state } = setup();
    await Promise.all([state.refresh(), state.refresh(), state.refresh()]);
    expect(source.reads).toBe(1);
  });
});

describe('pause and resume', () => {
  function control() {
    const audit = openMemoryAuditStore();
    const logger = createLogger({ level: 'silent' });
    const pauseState = createPauseState({ read: () => audit.controlState(), logger });
    let id = 0;
    const newId = () => `01TESTCTRL${String(++id).padStart(16, '0')}`;
    const ops = createOperatorControl({ audit, pauseState, clock: manualClock(), newId, wdtHost: 'sandbox' });
    return { audit, pauseState, ops };
  }
  const input = { adminId: 'U0OP', teamId: 'T0', channelId: 'C0OPS' };

  it('pauses once: a second pause answers already paused and writes nothing; this replica sees it at once', async () => {
    const { audit, pauseState, ops } = control();
    expect((await ops.pause({ ...input, reason: 'stocktake' })).kind).toBe('paused');
    expect(pauseState.current()).toMatchObject({ kind: 'paused', by: 'U0OP', reason: 'stocktake' });
    const again = await ops.pause({ ...input, adminId: 'U0OTHER', reason: 'again' });
    expect(again).toMatchObject({ kind: 'already_paused', view: { by: 'U0OP' } });
    expect(await audit.verifyChain()).toMatchObject({ ok: true, entries: 1 });
  });

  it('resumes only what is paused, and says since when it was paused', async () => {
    const { audit, pauseState, ops } = control();
    expect(await ops.resume(input)).toEqual({ kind: 'not_paused' });
    await ops.pause({ ...input, reason: 'r' });
    const resumed = await ops.resume(input);
    expect(resumed).toMatchObject({ kind: 'resumed', pausedSince: '2024-05-01T04:00:00.000Z' });
    expect(pauseState.current().kind).toBe('running');
    expect(await audit.verifyChain()).toMatchObject({ ok: true, entries: 2 });
  });

  it('status counts calls in flight (their orders are locked) and pending approvals', async () => {
    const { audit, ops } = control();
    const calling = buildRecord({ state: 'confirmed' });
    await writeHistory(audit, [
      { ...calling, state: 'requested' },
      calling,
      { ...calling, state: 'calling' },
    ]);
    const waiting = buildRecord({ state: 'confirmed', approvalRequested: true });
    await writeHistory(audit, [{ ...waiting, state: 'requested' }, waiting]);
    const status = await ops.status();
    expect(status.pause.kind).toBe('running');
    expect(status.calling.map((r) => r.orderNo)).toEqual([calling.orderNo]);
    expect(status.pendingApprovals).toBe(1);
  });
});
