import { COMMAND_RESULTS, type CommandResult } from '../../src/slack/command-result.js';
import { metricDelta, scrapeMetrics } from './prometheus-text.js';

/** How much `cancel_stockin_commands_total` rose, result by result. */
export type CommandCounts = Record<CommandResult, number>;

/** Every result at 0 but those given: compared whole, a count that moved where it should not fails too. */
export function commandCounts(moved: Partial<CommandCounts>): CommandCounts {
  return Object.fromEntries(COMMAND_RESULTS.map((result) => [result, moved[result] ?? 0])) as CommandCounts;
}

/**
 * Scrapes the bot's `/metrics` at `base` now; `moved()` scrapes again and says how much each command result
 * rose since. Every result is counted before the person is answered, so once the answer is seen it is there.
 */
export async function watchCommandCounts(base: string): Promise<{ moved(): Promise<CommandCounts> }> {
  const before = await scrapeMetrics(base);
  return {
    async moved() {
      const after = await scrapeMetrics(base);
      return commandCounts(
        Object.fromEntries(
          COMMAND_RESULTS.map((result) => [
            result,
            metricDelta(before, after, `cancel_stockin_commands_total{result="${result}"}`),
          ]),
        ),
      );
    },
  };
}
