import { describe, expect, it } from 'vitest';
import { withDeadline } from '../../src/core/deadline.js';

const never = new Promise<never>(() => {});

describe('withDeadline', () => {
  it("gives work's value, or its rejection, when it settles in time", async () => {
    await expect(withDeadline(Promise.resolve(7), 1_000, () => 'late')).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('broke')), 1_000, () => 'late')).rejects.toThrow(
      'broke',
    );
  });

  it("gives late()'s value, or what it throws, when work does not settle in time", async () => {
    await expect(withDeadline(never, 10, () => false as const)).resolves.toBe(false);
    await expect(
      withDeadline(never, 10, () => {
        throw new Error('no answer within 10 ms');
      }),
    ).rejects.toThrow('no answer within 10 ms');
  });
});
