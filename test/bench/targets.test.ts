import { describe, expect, it } from 'vitest';
import { figureParts } from '../../bench/lib/figures.js';
import { judgeAll, judgeFigure, MIN_ROUNDS, medianOfValues, misses } from '../../bench/lib/targets.js';
import { measurements } from './bench-fixtures.js';

describe('judgeFigure', () => {
  it('judges the median of the rounds, not the best or the worst one', () => {
    const figure = judgeFigure('ackP99AtC1Ms', [{ label: 'c=1', values: [9, 3, 4] }]);
    expect(figure.value).toBe(4);
    expect(figure.pass).toBe(true);
    expect(judgeFigure('ackP99AtC1Ms', [{ label: 'c=1', values: [9, 6, 4] }]).pass).toBe(false);
  });

  it('keeps every round beside the median it judges', () => {
    const figure = judgeFigure('confirmsPerSecAtC50', [{ label: 'c=50', values: [310, 190, 250] }]);
    expect(figure.parts).toEqual([{ label: 'c=50', values: [310, 190, 250], median: 250 }]);
    expect(figure).toMatchObject({ value: 250, target: { op: '>=', limit: 200 }, pass: true });
  });

  it('judges a figure with several parts by its worst part: the highest for an upper limit', () => {
    const figure = judgeFigure('ackP99RatioVsFloor', [
      { label: 'c=50', values: [1.0, 1.1, 1.2] },
      { label: 'c=200', values: [1.0, 1.4, 1.35] },
    ]);
    expect(figure.value).toBe(1.35);
    expect(figure.pass).toBe(false);
  });

  it('and the lowest for a lower limit', () => {
    const figure = judgeFigure('throughputRatioVsFloor', [
      { label: 'c=1', values: [0.9, 0.95, 1] },
      { label: 'c=50', values: [0.7, 0.74, 0.9] },
    ]);
    expect(figure.value).toBe(0.74);
    expect(figure.pass).toBe(false);
  });

  it('fails a figure with a missing round, even when the other rounds would pass', () => {
    const figure = judgeFigure('viewsOpenSteadyP99Ms', [{ label: 'c=50', values: [20, Number.NaN, 21] }]);
    expect(figure.value).toBeNaN();
    expect(figure).toMatchObject({ pass: false, problem: 'a value is missing' });
  });

  it('fails a figure of a level that was not run', () => {
    const figure = judgeFigure('viewsOpenBurstP99Ms', [
      { label: 'c=50', values: [100, 120, 110] },
      { label: 'c=200', values: [] },
    ]);
    expect(figure.pass).toBe(false);
  });

  it(`needs ${MIN_ROUNDS} rounds for a figure measured in rounds`, () => {
    const figure = judgeFigure('confirmToWdtP99AtC1Ms', [{ label: 'c=1', values: [8, 9] }]);
    expect(figure.value).toBe(8.5);
    expect(figure).toMatchObject({ pass: false, problem: `2 round(s), fewer than ${MIN_ROUNDS}` });
  });

  it('takes samples of a micro benchmark or start-up as they come, and a peak as it is', () => {
    expect(judgeFigure('startupMs', [{ label: 'built', values: [400] }]).pass).toBe(true);
    expect(judgeFigure('rssPeakMb', [{ label: 'whole run', values: [149.9] }]).pass).toBe(true);
    expect(judgeFigure('rssPeakMb', [{ label: 'whole run', values: [150.1] }]).pass).toBe(false);
  });

  it('reports a figure without a target and gives it no verdict', () => {
    const figure = judgeFigure('confirmToWdtP99RatioVsFloorAtC50', [
      { label: 'c=50', values: [2.4, 1.3, 2.0] },
    ]);
    expect(figure.value).toBe(2.0);
    expect(figure.pass).toBeUndefined();
    expect(figure.target).toBeUndefined();
  });
});

describe('medianOfValues', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(medianOfValues([3, 1, 2])).toBe(2);
    expect(medianOfValues([4, 1, 3, 2])).toBe(2.5);
  });

  it('is NaN when a value is missing or there is none', () => {
    expect(medianOfValues([])).toBeNaN();
    expect(medianOfValues([1, Number.POSITIVE_INFINITY, 2])).toBeNaN();
  });
});

describe('judgeAll', () => {
  it('passes a run whose every figure is inside its target', () => {
    expect(misses(judgeAll(figureParts(measurements())))).toEqual([]);
  });

  it('names the figures that miss', () => {
    const parts = figureParts(measurements({ rssPeakMb: 151, signsPerSecSlices: [1, 2, 3] }));
    expect(misses(judgeAll(parts))).toEqual(['rssPeakMb', 'signsPerSec']);
  });
});
