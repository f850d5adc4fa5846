import { describe, expect, it } from 'vitest';
import { BURST_WINDOW_MS, splitBurst } from '../../bench/lib/views-open-delays.js';

describe('splitBurst', () => {
  it(`puts the commands sent in a run's first ${BURST_WINDOW_MS} ms in the burst, the rest in the steady state`, () => {
    const runStartMs = 1_000;
    const views = {
      sentAtMs: [1_000, 1_200, 1_499, 1_500, 2_000, 7_000],
      delaysMs: [300, 250, 200, 12, 15, 9],
    };
    expect(splitBurst(views, runStartMs)).toEqual({ burst: [300, 250, 200], steady: [12, 15, 9] });
  });

  it('measures from when the run started, not from the first admitted command', () => {
    expect(splitBurst({ sentAtMs: [1_600], delaysMs: [5] }, 1_000)).toEqual({ burst: [], steady: [5] });
  });
});
