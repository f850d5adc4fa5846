/**
 * A clock a test or the simulation sets by hand, readable on the SQLite store's thread as well: a function
 * cannot be sent to a worker, a SharedArrayBuffer can. A `fixed` clock holds one time, in epoch milliseconds;
 * an `offset` clock runs with the system's, ahead or behind by what it holds.
 */
export interface SharedClock {
  readonly buffer: SharedArrayBuffer;
  readonly kind: 'fixed' | 'offset';
  now(): Date;
  set(time: Date): void;
  advance(ms: number): void;
}

/** A new clock at `start`, or the clock whose buffer another thread created. */
export function sharedClock(
  start: Date | SharedArrayBuffer,
  kind: SharedClock['kind'] = 'fixed',
): SharedClock {
  const buffer = start instanceof SharedArrayBuffer ? start : new SharedArrayBuffer(8);
  const cell = new BigInt64Array(buffer);
  const read = () => Number(Atomics.load(cell, 0));
  const write = (ms: number) => {
    if (!Number.isFinite(ms)) throw new TypeError('shared clock: not a time');
    Atomics.store(cell, 0, BigInt(Math.trunc(ms)));
  };
  const base = () => (kind === 'offset' ? Date.now() : 0);
  if (start instanceof Date) write(start.getTime() - base());
  return {
    buffer,
    kind,
    now: () => new Date(base() + read()),
    set: (time) => write(time.getTime() - base()),
    advance: (ms) => write(read() + ms),
  };
}
