import type { Clock } from '../../src/core/ports/clock.js';
import type { Timers } from '../../src/core/ports/timers.js';

/**
 * The choices of one schedule, read in order: every decision the simulation makes (which ready step runs
 * next, which fault, how long a delay) comes from here, so a schedule is this list and nothing else. When it
 * runs out, every choice is the first option: the system then runs on without faults.
 */
export class Tape {
  #at = 0;
  constructor(private readonly values: readonly number[]) {}

  /** An integer in [0, n). */
  pick(n: number): number {
    if (n <= 1) return 0;
    const value = this.values[this.#at];
    this.#at += 1;
    return value === undefined ? 0 : value % n;
  }

  /** One of `options`, the first when the tape has run out. */
  choose<T>(options: readonly T[]): T {
    return options[this.pick(options.length)]!;
  }

  /** True with probability percent/100 (false once the tape has run out). */
  chance(percent: number): boolean {
    const value = this.values[this.#at];
    this.#at += 1;
    return value !== undefined && value % 100 < percent;
  }

  get exhausted(): boolean {
    return this.#at >= this.values.length;
  }
}

interface Step {
  id: number;
  /** The process the step belongs to (its timers, the replies it waits for); null for the database and WDT. */
  owner: string | null;
  at: number;
  label: string;
  run: () => unknown;
}

/**
 * Virtual time and every pending step of the simulated deployment: timers, database requests and replies,
 * WDT requests and answers. Nothing runs unless the world runs it, one step at a time, so a process can be
 * frozen between any two of its awaits (its steps simply wait) and resumes believing nothing happened.
 */
export class World {
  now: number;
  readonly tape: Tape;
  /** Hears every step run (a replay prints them). */
  trace?: (line: string) => void;
  readonly #steps: Step[] = [];
  readonly #frozenUntil = new Map<string, number>();
  readonly #crashed = new Set<string>();
  #nextId = 0;

  constructor(tape: Tape, start: number) {
    this.tape = tape;
    this.now = start;
  }

  schedule(owner: string | null, delayMs: number, label: string, run: () => unknown): () => void {
    const step: Step = { id: this.#nextId++, owner, at: this.now + Math.max(0, delayMs), label, run };
    this.#steps.push(step);
    return () => {
      const index = this.#steps.indexOf(step);
      if (index >= 0) this.#steps.splice(index, 1);
    };
  }

  freeze(owner: string, forMs: number): void {
    this.trace?.(`${owner} FROZEN for ${forMs} ms`);
    this.#frozenUntil.set(owner, Math.max(this.#frozenUntil.get(owner) ?? 0, this.now + forMs));
  }

  /** A crashed process runs nothing more; what it sent is still on the wire. */
  crash(owner: string): void {
    this.trace?.(`${owner} CRASHED`);
    this.#crashed.add(owner);
    for (let i = this.#steps.length - 1; i >= 0; i -= 1) {
      if (this.#steps[i]!.owner === owner) this.#steps.splice(i, 1);
    }
  }

  isCrashed(owner: string): boolean {
    return this.#crashed.has(owner);
  }

  thaw(): void {
    this.#frozenUntil.clear();
  }

  /** When a step may run: not before its time, nor while its process is frozen. */
  #runnableAt(step: Step): number {
    const frozen = step.owner === null ? 0 : (this.#frozenUntil.get(step.owner) ?? 0);
    return Math.max(step.at, frozen);
  }

  get pending(): number {
    return this.#steps.length;
  }

  /**
   * Runs one step that may run now (which one is the tape's choice), or, when none may, moves time to the
   * earliest one. Resolves false when nothing is left to run at all.
   */
  async step(): Promise<boolean> {
    if (this.#steps.length === 0) return false;
    let ready = this.#steps.filter((step) => this.#runnableAt(step) <= this.now);
    if (ready.length === 0) {
      this.now = Math.min(...this.#steps.map((step) => this.#runnableAt(step)));
      ready = this.#steps.filter((step) => this.#runnableAt(step) <= this.now);
    }
    // Mostly the oldest ready step; sometimes another, which reorders what is concurrent.
    ready.sort((a, b) => a.at - b.at || a.id - b.id);
    const chosen = this.tape.chance(30) ? ready[this.tape.pick(ready.length)]! : ready[0]!;
    this.#steps.splice(this.#steps.indexOf(chosen), 1);
    this.trace?.(`${chosen.owner ?? '-'} ${chosen.label}`);
    await chosen.run();
    await settle();
    return true;
  }

  /** Advances time by `ms` without running anything (used between bursts of user actions). */
  wait(ms: number): void {
    this.now += ms;
  }

  /** The process's timers on this world's time: they wait while the process is frozen. */
  timersFor(owner: string): Timers {
    const world = this;
    return {
      now: () => world.now,
      sleep: (ms) => new Promise<void>((resolve) => world.schedule(owner, ms, 'sleep', resolve)),
      after: (ms, work) => world.schedule(owner, ms, 'timer', work),
      every(ms, work) {
        let cancel: () => void = () => undefined;
        const arm = () => {
          cancel = world.schedule(owner, ms, 'interval', () => {
            arm();
            work();
          });
        };
        arm();
        return () => cancel();
      },
    };
  }

  /** The process's wall clock: the world's time off by the process's own skew. */
  clockFor(skewMs: () => number): Clock {
    return { now: () => new Date(this.now + skewMs()) };
  }
}

/** Lets every continuation that the last step made ready run to its next await. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
