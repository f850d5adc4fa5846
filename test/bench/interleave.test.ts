import { describe, expect, it } from 'vitest';
import { pairOrder } from '../../bench/lib/interleave.js';

describe('pairOrder', () => {
  it('flips which side goes first from round to round at each level', () => {
    expect([0, 1, 2, 3].map((round) => pairOrder(round, 0)[0])).toEqual(['floor', 'bot', 'floor', 'bot']);
  });

  it('flips from level to level within a round, so two levels never share an order', () => {
    for (const round of [0, 1, 2]) expect(pairOrder(round, 0)).not.toEqual(pairOrder(round, 1));
  });

  it('runs both sides once in every pair', () => {
    expect([...pairOrder(0, 0)].sort()).toEqual(['bot', 'floor']);
    expect([...pairOrder(1, 0)].sort()).toEqual(['bot', 'floor']);
  });
});
