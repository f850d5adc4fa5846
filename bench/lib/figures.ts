import type { CommandPathLevel, CommandRun } from '../scenarios/command-path.js';
import type { ConfirmPathLevel, ConfirmRun } from '../scenarios/confirm-path.js';
import type { StartupResult } from '../scenarios/startup.js';
import type { FigureKey, Part } from './targets.js';

/** What the figures are read from: the scenarios' results, each run kept in round order. */
export interface Measurements {
  commandPath: readonly CommandPathLevel[];
  confirmPath: readonly ConfirmPathLevel[];
  startup: StartupResult;
  rssPeakMb: number;
  signsPerSecSlices: readonly number[];
  appendsPerSecSlices: readonly number[];
}

/** Per round, bot/floor of one value: round i's two runs ran back to back. NaN where a side lacks the round. */
export function pairedRatios<T>(bot: readonly T[], floor: readonly T[], value: (run: T) => number): number[] {
  return bot.map((run, round) => {
    const other = floor[round];
    return other === undefined ? Number.NaN : value(run) / value(other);
  });
}

/**
 * Main-thread CPU per shed ack in µs: the run's main-thread CPU less what its admitted commands' dialogs
 * took (at `admittedMainCpuMs` each, measured in the same round), over the commands it shed. Left in, the
 * dialogs' share would grow as the machine slows (the bucket admits ~20/s whatever the ack rate) and the
 * figure would measure the machine. NaN when nothing is left to divide.
 */
export function shedAckMainCpuUs(run: CommandRun, admittedMainCpuMs: number): number {
  const requests = run.ack.count;
  const admitted = Math.round(requests * (1 - run.shedShare));
  const shed = requests - admitted;
  const shedMs = run.cpuPerRequest.mainMs * requests - admitted * admittedMainCpuMs;
  return shed > 0 && shedMs > 0 ? (shedMs / shed) * 1000 : Number.NaN;
}

/**
 * Each figure's parts and their values round by round. A level the run did not measure gives a part with no
 * values, so its figure is missing rather than quietly judged on the levels that were there.
 */
export function figureParts(m: Measurements): Record<FigureKey, Part[]> {
  const part = <L extends { concurrency: number }>(
    levels: readonly L[],
    concurrency: number,
    values: (level: L) => number[],
  ): Part => {
    const level = levels.find((l) => l.concurrency === concurrency);
    return { label: `c=${concurrency}`, values: level ? values(level) : [] };
  };
  type CommandValue = (run: CommandRun) => number;
  type ConfirmValue = (run: ConfirmRun) => number;
  const commandBot = (c: number, value: CommandValue) =>
    part(m.commandPath, c, (l) => l.bot.rounds.map(value));
  const commandFloor = (c: number, value: CommandValue) =>
    part(m.commandPath, c, (l) => l.floor.rounds.map(value));
  const commandRatio = (c: number, value: CommandValue) =>
    part(m.commandPath, c, (l) => pairedRatios(l.bot.rounds, l.floor.rounds, value));
  const confirmBot = (c: number, value: ConfirmValue) => part(m.confirmPath, c, (l) => l.bot.map(value));
  const confirmFloor = (c: number, value: ConfirmValue) => part(m.confirmPath, c, (l) => l.floor.map(value));
  const confirmRatio = (c: number, value: ConfirmValue) =>
    part(m.confirmPath, c, (l) => pairedRatios(l.bot, l.floor, value));
  const commandLevels = m.commandPath.map((level) => level.concurrency);
  const confirmLevels = m.confirmPath.map((level) => level.concurrency);
  const admittedMainCpuMs = admittedCommandCpu(m.confirmPath, 'mainMs');
  const shedAckUs = part(m.commandPath, 200, (l) =>
    l.bot.rounds.map((run, round) => shedAckMainCpuUs(run, admittedMainCpuMs[round] ?? Number.NaN)),
  );
  const floorAckUs = commandFloor(200, (run) => run.cpuPerRequest.mainMs * 1000);
  const built = m.startup.distMs !== null;

  return {
    ackP99RatioVsFloor: [50, 200].map((c) => commandRatio(c, (run) => run.ack.p99)),
    ackP99AtC1Ms: [commandBot(1, (run) => run.ack.p99)],
    throughputRatioVsFloor: commandLevels.map((c) => commandRatio(c, (run) => run.requestsPerSec)),
    viewsOpenSteadyP99Ms: [commandBot(50, (run) => run.viewsOpen?.steady.p99 ?? Number.NaN)],
    viewsOpenBurstP99Ms: [50, 200].map((c) => commandBot(c, (run) => run.viewsOpen?.burst.p99 ?? Number.NaN)),
    confirmToWdtP99AtC1Ms: [confirmBot(1, (run) => run.toWdt.p99)],
    confirmsPerSecAtC50: [confirmBot(50, (run) => run.confirmsPerSec)],
    confirmCpuRatioVsFloorAtC50: [confirmRatio(50, (run) => run.cpuPerConfirm.allMs)],
    ackMainCpuRatioVsFloorAtC200: [
      { label: 'c=200', values: pairedRatios(shedAckUs.values, floorAckUs.values, (us) => us) },
    ],
    startupMs: [
      { label: built ? 'built' : 'tsx', values: built ? m.startup.distSamples : m.startup.tsxSamples },
    ],
    rssPeakMb: [{ label: 'whole run', values: [m.rssPeakMb] }],
    signsPerSec: [{ label: 'slices', values: [...m.signsPerSecSlices] }],
    auditAppendsPerSec: [{ label: 'slices', values: [...m.appendsPerSecSlices] }],
    confirmToWdtP99RatioVsFloorAtC50: [confirmRatio(50, (run) => run.toWdt.p99)],
    confirmToWdtP99AtC50Ms: [confirmBot(50, (run) => run.toWdt.p99)],
    confirmFloorToWdtP99AtC50Ms: [confirmFloor(50, (run) => run.toWdt.p99)],
    confirmToOutcomeP99Ms: confirmLevels.map((c) => confirmBot(c, (run) => run.toOutcome.p99)),
    confirmFloorPerSecAtC50: [confirmFloor(50, (run) => run.confirmsPerSec)],
    confirmCpuMsAtC50: [confirmBot(50, (run) => run.cpuPerConfirm.allMs)],
    confirmMainCpuMsAtC50: [confirmBot(50, (run) => run.cpuPerConfirm.mainMs)],
    confirmFloorCpuMsAtC50: [confirmFloor(50, (run) => run.cpuPerConfirm.allMs)],
    admittedCommandCpuMs: [{ label: 'dialogs', values: admittedCommandCpu(m.confirmPath, 'allMs') }],
    admittedCommandMainCpuMs: [{ label: 'dialogs', values: admittedMainCpuMs }],
    ackShedMainCpuUsAtC200: [shedAckUs],
    ackFloorMainCpuUsAtC200: [floorAckUs],
  };
}

/** Per round, CPU per admitted command over all that round's dialog openings, weighted by their commands. */
function admittedCommandCpu(levels: readonly ConfirmPathLevel[], thread: 'allMs' | 'mainMs'): number[] {
  const rounds = Math.max(0, ...levels.map((level) => level.opening.length));
  return Array.from({ length: rounds }, (_, round) => {
    const openings = levels.flatMap((level) => level.opening[round] ?? []);
    const commands = openings.reduce((sum, o) => sum + o.commands, 0);
    const cpu = openings.reduce((sum, o) => sum + o.cpuPerCommand[thread] * o.commands, 0);
    return commands === 0 ? Number.NaN : cpu / commands;
  });
}
