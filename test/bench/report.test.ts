import { describe, expect, it } from 'vitest';
import { formatFigure } from '../../bench/lib/report.js';
import { judgeFigure } from '../../bench/lib/targets.js';

describe('formatFigure', () => {
  it('shows every round of every part, the median judged, the limit and the verdict', () => {
    const figure = judgeFigure('ackP99RatioVsFloor', [
      { label: 'c=50', values: [1.0, 1.1, 1.2] },
      { label: 'c=200', values: [1.0, 1.4, 1.35] },
    ]);
    const line = formatFigure('ackP99RatioVsFloor', figure, true);
    expect(line).toMatch(/^ {2}MISS {2}ackP99RatioVsFloor +1\.35 × {2}≤ 1\.3/);
    expect(line).toContain('c=50: 1.00 1.10 1.20 → 1.10 | c=200: 1.00 1.40 1.35 → 1.35');
  });

  it('says why a figure fails when its value alone would pass', () => {
    const figure = judgeFigure('confirmsPerSecAtC50', [{ label: 'c=50', values: [400, Number.NaN, 380] }]);
    expect(formatFigure('confirmsPerSecAtC50', figure, true)).toMatch(/MISS .*\(a value is missing\)$/);
  });

  it('marks a reported figure as info and a figure of an unjudged run with no verdict', () => {
    const ratio = judgeFigure('confirmToWdtP99RatioVsFloorAtC50', [{ label: 'c=50', values: [2.4, 1.3, 2] }]);
    expect(formatFigure('confirmToWdtP99RatioVsFloorAtC50', ratio, true)).toMatch(/^ {2}info /);
    const rss = judgeFigure('rssPeakMb', [{ label: 'whole run', values: [140] }]);
    expect(formatFigure('rssPeakMb', rss, false)).toMatch(/^ {2}---- /);
    expect(formatFigure('rssPeakMb', rss, false)).toContain('whole run: 140');
  });
});
