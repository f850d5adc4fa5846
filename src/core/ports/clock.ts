/** Injected wherever time matters (signing, audit timestamps, expiry) so tests control it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
