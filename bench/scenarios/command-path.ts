import { setTimeout as sleep } from 'node:timers/promises';
import { type AckNeighbours, ackNeighbours } from '../lib/ack-neighbours.js';
import { monotonicMs } from '../lib/clock.js';
import { CommandLoadThread } from '../lib/command-load-thread.js';
import type { ServerProcess } from '../lib/node-process.js';
import type { BenchServices } from '../lib/services.js';
import { BENCH_SIGNING_SECRET, COMMAND_ORDER_NO } from '../lib/services.js';
import { type LatencySummary, median, medianSummary, summarize } from '../lib/stats.js';
import { viewsOpenDelays } from '../lib/views-open-delays.js';

export interface CommandRun {
  ack: LatencySummary;
  requestsPerSec: number;
  /** Commands that got a dialog (the rest were answered "too busy" in the ack), per second. */
  admittedPerSec: number;
  /** Share of acks that turned the command away. */
  shedShare: number;
  errors: number;
  /** At c = 1 only: the bot's acks split by how soon after an admitted command they came. */
  neighbours?: AckNeighbours;
}

export interface CommandPathLevel {
  concurrency: number;
  floor: { median: CommandRun; rounds: CommandRun[] };
  bot: {
    median: CommandRun;
    rounds: CommandRun[];
    viewsOpen: LatencySummary;
    viewsOpenRounds: LatencySummary[];
    viewsOpenMissing: number;
    viewsOpenFailed: number;
    /**
     * views.open of the commands sent in a run's first `RUN_START_MS` (after a quiet spell the bot's token
     * bucket admits its whole burst there) and of the rest: medians over rounds.
     */
    viewsOpenAtRunStart: LatencySummary;
    viewsOpenAfterRunStart: LatencySummary;
  };
  /** Median over rounds of bot/floor, each round's pair measured back to back. */
  ackP99Ratio: number;
  throughputRatio: number;
}

export const RUN_START_MS = 500;

export interface CommandPathOptions {
  concurrencies: readonly number[];
  rounds: number;
  durationMs: number;
  warmupMs: number;
  log: (line: string) => void;
}

async function runCommands(
  services: BenchServices,
  load: CommandLoadThread,
  target: ServerProcess,
  concurrency: number,
  durationMs: number,
  isBot: boolean,
) {
  const fromCallIndex = services.slack.calls.length;
  const { result, answers, triggerIds, sentAtMs } = await load.run({
    origin: target.origin,
    concurrency,
    durationMs,
    signingSecret: BENCH_SIGNING_SECRET,
    orderNo: COMMAND_ORDER_NO,
    responseUrlPrefix: services.slack.responseUrl(''),
    recordSends: isBot,
  });
  const shed = answers.filter((answer) => answer !== undefined && !answer.admitted).length;
  const admitted = result.completed - shed;
  const run: CommandRun = {
    ack: summarize(result.latenciesMs),
    requestsPerSec: result.requestsPerSec,
    admittedPerSec: (admitted / result.elapsedMs) * 1000,
    shedShare: result.completed === 0 ? 0 : shed / result.completed,
    errors: result.errors,
    ...(isBot && concurrency === 1 ? { neighbours: ackNeighbours(answers) } : {}),
  };
  if (result.errors > 0)
    throw new Error(`command run had ${result.errors} errors: ${result.errorSamples.join(' | ')}`);
  if (!isBot) return { run, views: { delaysMs: [], sentAtMs: [], missing: 0, failed: 0, runStartMs: 0 } };
  // The stand-in stamps arrivals with this thread's performance.now(); the sends came from another thread.
  const offsetMs = monotonicMs() - performance.now();
  const sentAt = new Map(triggerIds.map((id, index) => [id, sentAtMs[index]! - offsetMs]));
  const views = await viewsOpenDelays(services.slack, fromCallIndex, sentAt, admitted);
  return { run, views: { ...views, runStartMs: (sentAtMs[0] ?? Number.NaN) - offsetMs } };
}

/**
 * The slash command at each concurrency, bot and floor alternating (which goes first flips every pair), for
 * a fixed time each, repeated `rounds` times; the bot's post-ack work drains before the next run starts.
 */
export async function benchCommandPath(
  services: BenchServices,
  bot: ServerProcess,
  floor: ServerProcess,
  options: CommandPathOptions,
): Promise<CommandPathLevel[]> {
  const load = new CommandLoadThread();
  try {
    return await measureCommandPath(services, load, bot, floor, options);
  } finally {
    await load.close();
  }
}

async function measureCommandPath(
  services: BenchServices,
  load: CommandLoadThread,
  bot: ServerProcess,
  floor: ServerProcess,
  options: CommandPathOptions,
): Promise<CommandPathLevel[]> {
  for (const target of [floor, bot]) {
    await runCommands(services, load, target, 50, options.warmupMs, target === bot);
  }
  const levels: CommandPathLevel[] = [];
  let pair = 0;
  const perLevel = options.concurrencies.map(() => ({
    floor: [] as CommandRun[],
    bot: [] as CommandRun[],
    views: [] as LatencySummary[],
    viewsAtStart: [] as LatencySummary[],
    viewsAfterStart: [] as LatencySummary[],
    missing: 0,
    failed: 0,
  }));
  for (let roundNo = 0; roundNo < options.rounds; roundNo++) {
    for (const [index, concurrency] of options.concurrencies.entries()) {
      const slot = perLevel[index]!;
      const order = pair++ % 2 === 0 ? (['floor', 'bot'] as const) : (['bot', 'floor'] as const);
      for (const which of order) {
        const { run, views } = await runCommands(
          services,
          load,
          which === 'bot' ? bot : floor,
          concurrency,
          options.durationMs,
          which === 'bot',
        );
        slot[which].push(run);
        if (which === 'bot') {
          slot.views.push(summarize(views.delaysMs));
          const [atStart, afterStart] = splitAtRunStart(views);
          slot.viewsAtStart.push(summarize(atStart));
          slot.viewsAfterStart.push(summarize(afterStart));
          slot.missing += views.missing;
          slot.failed += views.failed;
        }
        options.log(
          `  round ${roundNo + 1} c=${concurrency} ${which.padEnd(5)} ack p50 ${run.ack.p50.toFixed(2)} ms, p99 ${run.ack.p99.toFixed(2)} ms, ${run.requestsPerSec.toFixed(0)} req/s${which === 'bot' ? `, ${run.admittedPerSec.toFixed(0)}/s admitted (${(run.shedShare * 100).toFixed(1)} % shed)` : ''}`,
        );
        await sleep(200);
      }
    }
  }
  for (const [index, concurrency] of options.concurrencies.entries()) {
    const slot = perLevel[index]!;
    const medianRun = (runs: CommandRun[]): CommandRun => ({
      ack: medianSummary(runs.map((r) => r.ack)),
      requestsPerSec: median(runs.map((r) => r.requestsPerSec)),
      admittedPerSec: median(runs.map((r) => r.admittedPerSec)),
      shedShare: median(runs.map((r) => r.shedShare)),
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
      ...medianNeighbours(runs),
    });
    levels.push({
      concurrency,
      floor: { median: medianRun(slot.floor), rounds: slot.floor },
      bot: {
        median: medianRun(slot.bot),
        rounds: slot.bot,
        viewsOpen: medianSummary(slot.views),
        viewsOpenRounds: slot.views,
        viewsOpenMissing: slot.missing,
        viewsOpenFailed: slot.failed,
        viewsOpenAtRunStart: medianSummary(slot.viewsAtStart),
        viewsOpenAfterRunStart: medianSummary(slot.viewsAfterStart),
      },
      ackP99Ratio: median(slot.bot.map((b, i) => b.ack.p99 / slot.floor[i]!.ack.p99)),
      throughputRatio: median(slot.bot.map((b, i) => b.requestsPerSec / slot.floor[i]!.requestsPerSec)),
    });
  }
  return levels;
}

function splitAtRunStart(views: {
  delaysMs: number[];
  sentAtMs: number[];
  runStartMs: number;
}): [number[], number[]] {
  const atStart: number[] = [];
  const afterStart: number[] = [];
  views.delaysMs.forEach((delay, index) => {
    (views.sentAtMs[index]! - views.runStartMs < RUN_START_MS ? atStart : afterStart).push(delay);
  });
  return [atStart, afterStart];
}

function medianNeighbours(runs: readonly CommandRun[]): { neighbours?: AckNeighbours } {
  const all = runs.flatMap((run) => (run.neighbours ? [run.neighbours] : []));
  if (all.length === 0) return {};
  return {
    neighbours: {
      afterAdmittedP50: median(all.map((n) => n.afterAdmittedP50)),
      undisturbedP99: median(all.map((n) => n.undisturbedP99)),
      nearAdmittedShare: median(all.map((n) => n.nearAdmittedShare)),
    },
  };
}
