import { describe, expect, it } from 'vitest';
import { mapConcurrent, runEach } from '../../src/core/concurrency.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('running work a few at a time', () => {
  it('begins nothing after a failure, and resolves only once what it began has finished', async () => {
    const begun: number[] = [];
    const finished: number[] = [];
    const result = await runEach([0, 1, 2, 3, 4, 5], 2, async (item) => {
      begun.push(item);
      if (item === 1) throw new Error('store down');
      await tick();
      await tick();
      finished.push(item);
    });

    expect(result).toMatchObject({ failed: true });
    expect((result.failure as Error).message).toBe('store down');
    // Item 0 was running when 1 failed: it finished before runEach resolved; nothing began after the failure.
    expect(begun).toEqual([0, 1]);
    expect(finished).toEqual([0]);
  });

  it('mapConcurrent keeps the order of results and rejects with the first failure once everything has settled', async () => {
    expect(await mapConcurrent([3, 1, 2], 2, async (n) => n * 10)).toEqual([30, 10, 20]);
    let running = 0;
    await expect(
      mapConcurrent([0, 1, 2], 2, async (n) => {
        running += 1;
        await tick();
        running -= 1;
        if (n === 0) throw new Error('first');
        return n;
      }),
    ).rejects.toThrow('first');
    expect(running).toBe(0);
  });
});
