import { describe, expect, it } from 'vitest';
import { bufferedRandom, idFactory } from '../src/ids.js';

const CROCKFORD = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('idFactory', () => {
  it('makes valid, strictly increasing ULIDs, thousands within one millisecond', () => {
    const newId = idFactory();
    const ids = Array.from({ length: 5_000 }, () => newId(1_795_000_000_000));
    for (const id of ids) expect(id).toMatch(CROCKFORD);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(ids[0]!.slice(0, 10)).toBe(ids.at(-1)!.slice(0, 10)); // same time part
  });

  it('gives two factories different random parts', () => {
    expect(idFactory()(1_000).slice(10)).not.toBe(idFactory()(1_000).slice(10));
  });
});

describe('bufferedRandom', () => {
  it('stays in [0, 1) across several refills and spreads evenly over ulid’s 32 characters', () => {
    const next = bufferedRandom();
    const buckets = new Array<number>(32).fill(0);
    const draws = 64_000; // 62.5 refills of the buffer
    for (let i = 0; i < draws; i++) {
      const value = next();
      expect(value >= 0 && value < 1).toBe(true);
      buckets[Math.floor(value * 32)]!++;
    }
    // Chi-square with 31 degrees of freedom: 70 is beyond the 0.9999 quantile (~61.1 is 0.999).
    const expected = draws / 32;
    const chiSquare = buckets.reduce((sum, seen) => sum + (seen - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(70);
  });
});
