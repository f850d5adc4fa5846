/** The two processes a paired measurement compares. */
export type Side = 'bot' | 'floor';

/**
 * Which side runs first in a round's pair at one level: it flips from round to round and from level to level
 * (bot, floor, floor, bot, …), so neither side always follows the other's run or always starts a round.
 */
export function pairOrder(round: number, levelIndex: number): readonly [Side, Side] {
  return (round + levelIndex) % 2 === 0 ? ['floor', 'bot'] : ['bot', 'floor'];
}
