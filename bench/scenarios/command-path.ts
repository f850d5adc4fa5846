import { setTimeout as sleep } from 'node:timers/promises';
import { type AckNeighbours, ackNeighbours } from '../lib/ack-neighbours.js';
import { monotonicMs } from '../lib/clock.js';
import { collectGarbage } from '../lib/collect-garbage.js';
import { CommandLoadThread } from '../lib/command-load-thread.js';
import { type CpuTime, cpuPerOperation, readCpuTime } from '../lib/cpu-time.js';
import { pairOrder, type Side } from '../lib/interleave.js';
import type { ServerProcess } from '../lib/node-process.js';
import type { BenchServices } from '../lib/services.js';
import { BENCH_SIGNING_SECRET, COMMAND_ORDER_NO } from '../lib/services.js';
import { settleStandins } from '../lib/settle.js';
import { type LatencySummary, median, medianSummary, summarize } from '../lib/stats.js';
import { summarizeViewsOpen, type ViewsOpenRun, viewsOpenDelays } from '../lib/views-open-delays.js';

export interface CommandRun {
  ack: LatencySummary;
  requestsPerSec: number;
  /** Commands that got a dialog (the rest were answered "too busy" in the ack), per second. */
  admittedPerSec: number;
  /** Share of acks that turned the command away. */
  shedShare: number;
  errors: number;
  /**
   * CPU per acked request in ms, from `/proc`, over the run and the work it started (the admitted commands'
   * dialogs included): what the whole path costs, charged to every ack.
   */
  cpuPerRequest: CpuTime;
  /** At c = 1 only: the bot's acks split by how soon after an admitted command they came. */
  neighbours?: AckNeighbours;
  /** The bot's only: its admitted commands' views.open delays, all, burst and steady. */
  viewsOpen?: ViewsOpenRun;
}

export interface CommandPathLevel {
  concurrency: number;
  /** Each side's runs in round order (round i's pair ran back to back), and field-by-field medians. */
  floor: { median: CommandRun; rounds: CommandRun[] };
  bot: { median: CommandRun; rounds: CommandRun[] };
}

export interface CommandPathOptions {
  concurrencies: readonly number[];
  rounds: number;
  durationMs: number;
  warmupMs: number;
  primeMs: number;
  quietSpellMs: number;
  log: (line: string) => void;
}

async function runCommands(
  services: BenchServices,
  load: CommandLoadThread,
  target: ServerProcess,
  concurrency: number,
  durationMs: number,
  isBot: boolean,
): Promise<CommandRun> {
  const fromCallIndex = services.slack.calls.length;
  const cpuBefore = readCpuTime(target.pid);
  const { result, answers, triggerIds, sentAtMs } = await sendCommands(services, load, target, {
    concurrency,
    durationMs,
    recordSends: isBot,
  });
  const shed = answers.filter((answer) => answer !== undefined && !answer.admitted).length;
  const admitted = result.completed - shed;
  let viewsOpen: ViewsOpenRun | undefined;
  if (isBot) {
    // The stand-in stamps arrivals with this thread's performance.now(); the sends came from another thread.
    const offsetMs = monotonicMs() - performance.now();
    const sentAt = new Map(triggerIds.map((id, index) => [id, sentAtMs[index]! - offsetMs]));
    const views = await viewsOpenDelays(services.slack, fromCallIndex, sentAt, admitted);
    viewsOpen = summarizeViewsOpen(views, (sentAtMs[0] ?? Number.NaN) - offsetMs);
  }
  await settleStandins(services);
  return {
    ack: summarize(result.latenciesMs),
    requestsPerSec: result.requestsPerSec,
    admittedPerSec: (admitted / result.elapsedMs) * 1000,
    shedShare: result.completed === 0 ? 0 : shed / result.completed,
    errors: result.errors,
    cpuPerRequest: cpuPerOperation(cpuBefore, readCpuTime(target.pid), result.completed),
    ...(isBot && concurrency === 1 ? { neighbours: ackNeighbours(answers) } : {}),
    ...(viewsOpen ? { viewsOpen } : {}),
  };
}

/** Unmeasured load on `target` (see `BenchPlan.primeMs`), and the work it started drained. */
async function prime(
  services: BenchServices,
  load: CommandLoadThread,
  target: ServerProcess,
  concurrency: number,
  durationMs: number,
): Promise<void> {
  await sendCommands(services, load, target, { concurrency, durationMs, recordSends: false });
  await settleStandins(services);
}

/** The signed command from the allowed user, `concurrency` in flight for `durationMs`; any error fails it. */
async function sendCommands(
  services: BenchServices,
  load: CommandLoadThread,
  target: ServerProcess,
  options: { concurrency: number; durationMs: number; recordSends: boolean },
) {
  const reply = await load.run({
    ...options,
    origin: target.origin,
    signingSecret: BENCH_SIGNING_SECRET,
    orderNo: COMMAND_ORDER_NO,
    responseUrlPrefix: services.slack.responseUrl(''),
  });
  const { errors, errorSamples } = reply.result;
  if (errors > 0) throw new Error(`command run had ${errors} errors: ${errorSamples.join(' | ')}`);
  return reply;
}

/**
 * The slash command at each concurrency, bot and floor alternating (`pairOrder`), for a fixed time each,
 * repeated `rounds` times; the work a run started drains before the next run starts.
 */
export async function benchCommandPath(
  services: BenchServices,
  bot: ServerProcess,
  floor: ServerProcess,
  options: CommandPathOptions,
): Promise<CommandPathLevel[]> {
  const load = new CommandLoadThread();
  try {
    return await measureCommandPath(services, load, { bot, floor }, options);
  } finally {
    await load.close();
  }
}

async function measureCommandPath(
  services: BenchServices,
  load: CommandLoadThread,
  targets: Record<Side, ServerProcess>,
  options: CommandPathOptions,
): Promise<CommandPathLevel[]> {
  for (const side of ['floor', 'bot'] as const) {
    await runCommands(services, load, targets[side], 50, options.warmupMs, side === 'bot');
  }
  const runs = options.concurrencies.map(() => ({ floor: [] as CommandRun[], bot: [] as CommandRun[] }));
  for (let round = 0; round < options.rounds; round++) {
    for (const [index, concurrency] of options.concurrencies.entries()) {
      for (const side of pairOrder(round, index)) {
        await prime(services, load, targets[side], concurrency, options.primeMs);
        collectGarbage();
        await sleep(options.quietSpellMs);
        const run = await runCommands(
          services,
          load,
          targets[side],
          concurrency,
          options.durationMs,
          side === 'bot',
        );
        runs[index]![side].push(run);
        options.log(`  round ${round + 1} c=${concurrency} ${side.padEnd(5)} ${describeRun(run)}`);
      }
    }
  }
  return options.concurrencies.map((concurrency, index) => {
    const { bot, floor } = runs[index]!;
    return {
      concurrency,
      floor: { median: medianRun(floor), rounds: floor },
      bot: { median: medianRun(bot), rounds: bot },
    };
  });
}

const describeRun = (run: CommandRun) =>
  `ack p50 ${run.ack.p50.toFixed(2)} ms, p99 ${run.ack.p99.toFixed(2)} ms, ${run.requestsPerSec.toFixed(0)} req/s, main-thread CPU ${(run.cpuPerRequest.mainMs * 1000).toFixed(0)} µs/request${run.viewsOpen ? `, ${run.admittedPerSec.toFixed(0)}/s admitted (${(run.shedShare * 100).toFixed(1)} % shed), views.open p99 burst ${run.viewsOpen.burst.p99.toFixed(1)} steady ${run.viewsOpen.steady.p99.toFixed(1)} ms` : ''}`;

/** Field-by-field medians over rounds, for the tables; the judged figures take their rounds from the runs. */
function medianRun(runs: readonly CommandRun[]): CommandRun {
  const of = (value: (run: CommandRun) => number) => median(runs.map(value));
  const views = runs.flatMap((run) => (run.viewsOpen ? [run.viewsOpen] : []));
  const neighbours = runs.flatMap((run) => (run.neighbours ? [run.neighbours] : []));
  return {
    ack: medianSummary(runs.map((r) => r.ack)),
    requestsPerSec: of((r) => r.requestsPerSec),
    admittedPerSec: of((r) => r.admittedPerSec),
    shedShare: of((r) => r.shedShare),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    cpuPerRequest: { allMs: of((r) => r.cpuPerRequest.allMs), mainMs: of((r) => r.cpuPerRequest.mainMs) },
    ...(neighbours.length > 0
      ? {
          neighbours: {
            afterAdmittedP50: median(neighbours.map((n) => n.afterAdmittedP50)),
            undisturbedP99: median(neighbours.map((n) => n.undisturbedP99)),
            nearAdmittedShare: median(neighbours.map((n) => n.nearAdmittedShare)),
          },
        }
      : {}),
    ...(views.length > 0
      ? {
          viewsOpen: {
            all: medianSummary(views.map((v) => v.all)),
            burst: medianSummary(views.map((v) => v.burst)),
            steady: medianSummary(views.map((v) => v.steady)),
            missing: views.reduce((sum, v) => sum + v.missing, 0),
            failed: views.reduce((sum, v) => sum + v.failed, 0),
          },
        }
      : {}),
  };
}
