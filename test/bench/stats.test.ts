import { describe, expect, it } from 'vitest';
import { steadyRatePerSec } from '../../bench/lib/stats.js';

describe('steadyRatePerSec', () => {
  it('leaves out the ramp and the drain of a closed loop', () => {
    // 50 in flight: the first 50 completions come slowly as the loop fills, the last 50 as it drains; in
    // between, one every 2 ms.
    const ramp = Array.from({ length: 50 }, (_, i) => i * 20);
    const steady = Array.from({ length: 200 }, (_, i) => 1_000 + i * 2);
    const drain = Array.from({ length: 50 }, (_, i) => 1_400 + i * 30);
    const rate = steadyRatePerSec([...drain, ...steady, ...ramp], 50);
    expect(rate).toBeCloseTo(500, 0);
  });

  it('cuts at most a quarter of a small sample at each end', () => {
    expect(steadyRatePerSec([0, 10, 20, 30, 40, 50, 60, 70], 50)).toBeCloseTo(100);
  });

  it('is NaN when no window is left, or it has no length', () => {
    expect(steadyRatePerSec([10], 1)).toBeNaN();
    expect(steadyRatePerSec([], 50)).toBeNaN();
    expect(steadyRatePerSec([5, 5, 5, 5], 1)).toBeNaN();
  });
});
