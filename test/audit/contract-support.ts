import { expect } from 'vitest';
import { entryHash, GENESIS_HASH } from '../../src/audit/hash-chain.js';
import { controlRecord } from '../../src/core/operator-control.js';
import type {
  AuditEntry,
  AuditStore,
  ControlRecord,
  Transition,
  WriteResult,
} from '../../src/core/ports/audit.js';
import { attemptIn, moved } from '../support/audit-fixtures.js';

/**
 * The store's clock as a contract test sees it: a virtual one that `elapse` moves at once (memory, SQLite),
 * or the real one of a database server that `elapse` waits for (PostgreSQL).
 */
export interface ContractClock {
  /** The store's time now, as near as the test can know it (a real clock's `now` is read on this host). */
  now(): Date;
  elapse(ms: number): Promise<void>;
  /** True when `now` is exactly the store's time: tests then check times exactly, else within bounds. */
  readonly exact: boolean;
}

export interface ContractStores {
  /** A store over a new, empty database. */
  fresh(): Promise<AuditStore>;
  /** Another store, with its own connection or pool, over the database of the last `fresh()`. */
  another(): Promise<AuditStore>;
  clock: ContractClock;
}

/** A clock that moves only when told to. */
export function manualClock(start = new Date('2026-03-01T00:00:00.000Z')): {
  now(): Date;
  advance(ms: number): void;
} {
  let time = start.getTime();
  return {
    now: () => new Date(time),
    advance: (ms) => {
      time += ms;
    },
  };
}

/** A virtual clock for stores that take one (`now`). */
export function virtualClock(clock: { now(): Date; advance(ms: number): void }): ContractClock {
  return {
    now: () => clock.now(),
    async elapse(ms) {
      clock.advance(ms);
    },
    exact: true,
  };
}

/** The host's clock, which a database server on this host shares. */
export const realClock: ContractClock = {
  now: () => new Date(),
  elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  exact: false,
};

const T0 = Date.parse('2024-05-01T04:00:00.000Z');
/** A fixed time `minutes` after 2024-05-01 04:00 UTC: the callers' `at`, which is not the store's clock. */
export const at = (minutes: number) => new Date(T0 + minutes * 60_000);

/** An admin's pause (with a reason) or resume, typed in C0OPS, with the id `id`. */
export function control(kind: 'paused' | 'resumed', id: string): ControlRecord {
  return controlRecord({
    kind,
    adminId: 'U0ADMIN',
    teamId: 'T0TEAM',
    channelId: 'C0OPS',
    reason: kind === 'paused' ? '盘点 stocktake' : null,
    at: at(0),
    id,
    wdtHost: 'sandbox.wangdian.cn',
  });
}

export async function collect(entries: AsyncIterable<AuditEntry>): Promise<AuditEntry[]> {
  const all: AuditEntry[] = [];
  for await (const entry of entries) all.push(entry);
  return all;
}

export function expectLinearChain(entries: AuditEntry[]): void {
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
  let prev = GENESIS_HASH;
  for (const entry of entries) {
    expect(entry.prevHash).toBe(prev);
    expect(entry.hash).toBe(entryHash(prev, entry));
    prev = entry.hash;
  }
}

/** Writes the transitions, failing the test on a conflict. */
export async function written(
  store: AuditStore,
  transitions: readonly Transition[],
  when: Date = at(0),
): Promise<Extract<WriteResult, { ok: true }>> {
  const result = await store.write(transitions, when);
  if (!result.ok) throw new Error(`expected the write to pass: ${JSON.stringify(result.conflict)}`);
  return result;
}

/** Expects an ISO time to be the store's time between two readings of the contract's clock. */
export function expectStoreTimeBetween(iso: string | undefined, before: Date, after: Date): void {
  expect(iso).toBeDefined();
  const time = Date.parse(iso!);
  expect(time).toBeGreaterThanOrEqual(before.getTime());
  expect(time).toBeLessThanOrEqual(after.getTime());
}

/**
 * For a store whose database has been rigged to refuse `calling` entries: a write of `confirmed` then
 * `calling` fails with `error` and keeps neither entry, nor the lock.
 */
export async function expectNothingKeptWhenTheCallingEntryFails(store: AuditStore, error: RegExp) {
  const record = await attemptIn(store, []);
  const confirmed = moved(record, 'confirmed');
  const moves: Transition[] = [
    { from: 'requested', record: confirmed },
    { from: 'confirmed', record: moved(confirmed, 'calling') },
  ];
  await expect(store.write(moves, at(1))).rejects.toThrow(error);
  expect(await store.findAttempt(record.attemptId)).toEqual(record);
  expect(await store.heldLocks()).toEqual([]);
  expect(await store.verifyChain()).toMatchObject({ ok: true, entries: 1 });
}
