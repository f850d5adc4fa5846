import { expect, it } from 'vitest';
import { controlRecord } from '../../src/core/operator-control.js';
import type { AuditEntry, AuditStore, ControlEvent } from '../../src/core/ports/audit.js';
import { buildRecord } from '../support/audit-fixtures.js';

const T0 = Date.parse('2024-05-01T04:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
let ids = 0;

const control = (kind: ControlEvent, adminId = 'U0ADMIN', reason: string | null = '盘点 stocktake') =>
  controlRecord({
    kind,
    adminId,
    teamId: 'T0TEAM',
    channelId: 'C0OPS',
    reason: kind === 'paused' ? reason : null,
    at: at(0),
    id: `01TESTCONTROL${String(++ids).padStart(13, '0')}`,
    wdtHost: 'sandbox.wangdian.cn',
  });

async function collect(entries: AsyncIterable<AuditEntry>): Promise<AuditEntry[]> {
  const all: AuditEntry[] = [];
  for await (const entry of entries) all.push(entry);
  return all;
}

/** Operator controls (issue 18) on every backend; called from the store contract. */
export function controlStateContract(fresh: () => Promise<AuditStore>, another: () => Promise<AuditStore>) {
  it('has no control state until someone pauses', async () => {
    const store = await fresh();
    await store.write([{ from: null, record: buildRecord() }], at(0));
    expect(await store.controlState()).toBeNull();
  });

  it('records paused and resumed in the chain, newest first for controlState, never as an attempt', async () => {
    const store = await fresh();
    const attempt = buildRecord();
    await store.write([{ from: null, record: attempt }], at(0));
    const paused = await store.recordControl(control('paused'), at(1));
    expect(paused).toMatchObject({ changed: true, entry: { seq: 2, event: 'paused' } });
    expect(await store.controlState()).toMatchObject({
      seq: 2,
      event: 'paused',
      at: at(1).toISOString(),
      record: { requesterId: 'U0ADMIN', reason: '盘点 stocktake', channelId: 'C0OPS', orderNo: null },
    });
    await store.write([{ from: 'requested', record: { ...attempt, state: 'denied' } }], at(2));
    const resumed = await store.recordControl(control('resumed', 'U0OTHER'), at(3));
    expect(resumed).toMatchObject({ changed: true, entry: { seq: 4, event: 'resumed' } });
    expect(await store.controlState()).toMatchObject({
      seq: 4,
      event: 'resumed',
      record: { requesterId: 'U0OTHER' },
    });

    expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 4 });
    expect((await collect(store.entries())).map((e) => e.event)).toEqual([
      'requested',
      'paused',
      'denied',
      'resumed',
    ]);
    expect(await store.recentAttempts({ limit: 10 })).toEqual([{ ...attempt, state: 'denied' }]);
    expect(
      await store.idleAttempts({ states: ['requested', 'denied'], idleForMs: 0, limit: 10 }),
    ).toHaveLength(1);
  });

  it('writes nothing when the state is already so: pausing twice, or resuming what is not paused', async () => {
    const store = await fresh();
    expect(await store.recordControl(control('resumed'), at(0))).toEqual({ changed: false, current: null });
    await store.recordControl(control('paused'), at(1));
    const again = await store.recordControl(control('paused', 'U0SECOND', 'another reason'), at(2));
    expect(again).toMatchObject({
      changed: false,
      current: { event: 'paused', record: { requesterId: 'U0ADMIN' } },
    });
    expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 1 });
  });

  it('two stores on one database pausing at once write one entry, and each sees it', async () => {
    const first = await fresh();
    const second = await another();
    const results = await Promise.all([
      first.recordControl(control('paused', 'U0FIRST'), at(1)),
      second.recordControl(control('paused', 'U0SECOND'), at(1)),
    ]);
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect((await first.controlState())?.event).toBe('paused');
    expect((await second.controlState())?.seq).toBe(1);
  });

  it('refuses a control record that names an order or no admin', async () => {
    const store = await fresh();
    await expect(store.recordControl({ ...control('paused'), orderNo: 'RK1' }, at(0))).rejects.toThrow(
      /no order/,
    );
    await expect(store.recordControl({ ...control('paused'), requesterId: '' }, at(0))).rejects.toThrow(
      /names who/,
    );
    expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 0 });
  });
}
