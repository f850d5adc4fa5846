import type { Clock } from '../../src/core/ports/clock.js';
import type { Timers } from '../../src/core/ports/timers.js';

interface Scheduled {
  at: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

/**
 * Time that moves only when the test moves it: the monotonic timers, and a wall clock (for the database and
 * Slack's ts values) that follows them. `advance` runs every timer that falls due, in order, letting the
 * work each one starts run to its next wait first. Only for code that waits on these timers and on promises
 * that settle without I/O (the memory store, the in-process Slack).
 */
export function virtualTime(start = new Date('2024-05-01T04:00:00.000Z')) {
  let now = 0;
  let seq = 0;
  let scheduled: Scheduled[] = [];

  const schedule = (ms: number, run: () => void): (() => void) => {
    const entry = { at: now + Math.max(0, ms), seq: seq++, run, cancelled: false };
    scheduled.push(entry);
    return () => {
      entry.cancelled = true;
    };
  };

  const timers: Timers = {
    now: () => now,
    sleep: (ms) => new Promise<void>((resolve) => schedule(ms, resolve)),
    after: (ms, work) => schedule(ms, work),
    every(ms, work) {
      let cancel: () => void = () => undefined;
      const arm = () => {
        cancel = schedule(ms, () => {
          arm();
          work();
        });
      };
      arm();
      return () => cancel();
    },
  };

  /** Lets everything that is ready run until it waits on a timer. */
  async function flush(): Promise<void> {
    for (let i = 0; i < 10; i += 1) await new Promise((resolve) => setImmediate(resolve));
  }

  const wall = () => start.getTime() + now;
  const clock: Clock = { now: () => new Date(wall()) };

  return {
    timers,
    clock,
    wall,
    flush,
    /** Milliseconds since the start. */
    elapsed: () => now,
    async advance(ms: number): Promise<void> {
      const until = now + ms;
      await flush();
      for (;;) {
        scheduled = scheduled.filter((entry) => !entry.cancelled);
        const due = scheduled
          .filter((entry) => entry.at <= until)
          .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
        if (!due) break;
        scheduled.splice(scheduled.indexOf(due), 1);
        now = due.at;
        due.run();
        await flush();
      }
      now = until;
      await flush();
    },
  };
}

export type VirtualTime = ReturnType<typeof virtualTime>;
