import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SourceInfo } from '../../bench/lib/machine.js';
import { planFromArgs } from '../../bench/lib/modes.js';
import { keepRefusal, keptResultPath } from '../../bench/lib/result-files.js';

const commit = '493085bc25e8a3a4b0d1f6c7e2f9a0b1c2d3e4f5';
const clean: SourceInfo = { commit, srcChanges: 0, benchChanges: 0 };

describe('keptResultPath', () => {
  it('names a kept run by its UTC date and short commit', () => {
    expect(keptResultPath('2026-12-07T09:41:00.000Z', commit, () => false, '/r')).toBe(
      join('/r', '2026-12-07-493085b.json'),
    );
  });

  it('numbers later runs of the same commit on the same day', () => {
    const taken = new Set([join('/r', '2026-12-07-493085b.json'), join('/r', '2026-12-07-493085b-2.json')]);
    expect(keptResultPath('2026-12-07T10:00:00.000Z', commit, (path) => taken.has(path), '/r')).toBe(
      join('/r', '2026-12-07-493085b-3.json'),
    );
  });
});

describe('keepRefusal', () => {
  it('keeps a full run of committed code', () => {
    expect(keepRefusal(planFromArgs([]), clean)).toBeNull();
  });

  it('refuses a quick or smoke run', () => {
    expect(keepRefusal(planFromArgs(['--quick']), clean)).toMatch(/only a full run/);
    expect(keepRefusal(planFromArgs(['--smoke']), clean)).toMatch(/only a full run/);
  });

  it('refuses uncommitted changes to the code or to the bench that judges it', () => {
    expect(keepRefusal(planFromArgs([]), { ...clean, srcChanges: 1 })).toMatch(/commit first/);
    expect(keepRefusal(planFromArgs([]), { ...clean, benchChanges: 2 })).toMatch(/commit first/);
  });
});
