import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { CommandAdmission } from '../../src/slack/command-admission.js';

function admissionAt(limits: { perSecond: number; burst: number; maxInFlight: number }) {
  let now = 0;
  const lines: Array<{ shed: number }> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const admission = new CommandAdmission(limits, logger, () => now);
  return { admission, lines, advance: (ms: number) => (now += ms) };
}

describe('CommandAdmission', () => {
  it('admits a burst, then the sustained rate', () => {
    const { admission, advance } = admissionAt({ perSecond: 10, burst: 3, maxInFlight: 100 });
    expect([1, 2, 3, 4].map(() => admission.admit(0))).toEqual([true, true, true, false]);
    advance(50);
    expect(admission.admit(0)).toBe(false);
    advance(50);
    expect(admission.admit(0)).toBe(true);
    expect(admission.admit(0)).toBe(false);
  });

  it('never banks more than the burst, however long it was quiet', () => {
    const { admission, advance } = admissionAt({ perSecond: 10, burst: 2, maxInFlight: 100 });
    advance(60_000);
    expect([1, 2, 3].map(() => admission.admit(0))).toEqual([true, true, false]);
  });

  it('turns commands away while too many dialogs are being prepared, without spending the bucket', () => {
    const { admission } = admissionAt({ perSecond: 10, burst: 1, maxInFlight: 2 });
    expect(admission.admit(2)).toBe(false);
    expect(admission.admit(1)).toBe(true);
  });

  it('logs a spell of shedding once per ten seconds with how many were turned away', () => {
    const { admission, lines, advance } = admissionAt({ perSecond: 1, burst: 1, maxInFlight: 100 });
    expect(admission.admit(0)).toBe(true);
    for (let i = 0; i < 5; i++) admission.admit(0); // the first is logged, four are counted
    expect(lines.map((l) => l.shed)).toEqual([1]);
    advance(10_000);
    expect(admission.admit(0)).toBe(true);
    admission.admit(0); // reported with the four before it
    admission.admit(0);
    expect(lines.map((l) => l.shed)).toEqual([1, 5]);
  });
});
