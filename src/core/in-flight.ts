import { withDeadline } from './deadline.js';

/** Tracks running work so shutdown can stop new work and wait (bounded) for what has started. */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  get size(): number {
    return this.running.size;
  }

  get accepting(): boolean {
    return !this.closed;
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const forget = () => this.running.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Stops accepting and resolves true when everything finished within `graceMs`, false otherwise. */
  async drain(graceMs: number): Promise<boolean> {
    this.closed = true;
    const allDone = Promise.allSettled([...this.running]).then(() => true as const);
    return withDeadline(allDone, graceMs, () => false as const);
  }
}
