import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchCommandPath, type CommandPathLevel } from '../scenarios/command-path.js';
import { benchConfirmPath, type ConfirmPathLevel } from '../scenarios/confirm-path.js';
import {
  benchPostgresAppends,
  benchSqliteAppends,
  benchSqliteSyncModes,
  benchThreadedSqliteAppends,
  type PostgresAppendResult,
} from '../scenarios/micro-audit.js';
import { benchSigning } from '../scenarios/micro-sign.js';
import { benchStartup, type StartupResult } from '../scenarios/startup.js';
import { figureParts } from './figures.js';
import {
  cpuPressureAvg10,
  loadAverage,
  type MachineInfo,
  machineInfo,
  type SourceInfo,
  sourceInfo,
} from './machine.js';
import { type BenchPlan, JUDGED_MODE } from './modes.js';
import { readRss, sampleRss } from './rss.js';
import { startBenchServices } from './services.js';
import { startScriptArgs } from './start-script.js';
import { type Figure, type FigureKey, judgeAll, misses } from './targets.js';
import { startBot, startFloor } from './targets-process.js';

export interface BenchResults {
  mode: BenchPlan['mode'];
  /** Whether this run's figures are judged (full mode only). */
  judged: boolean;
  /** Every target met; null when the run is not judged. */
  pass: boolean | null;
  /** Each figure with its parts, their values round by round, the median judged and the verdict. */
  figures: Record<FigureKey, Figure>;
  startupEntry: string;
  finishedAt: string;
  machine: MachineInfo;
  source: SourceInfo;
  method: Record<string, string>;
  details: {
    commandPath: CommandPathLevel[];
    confirmPath: ConfirmPathLevel[];
    startup: StartupResult;
    rss: { botIdleMb: number; botPeakMb: number; floorIdleMb: number; floorPeakMb: number };
    signing: { signsPerSec: number; signs: number; perRepeat: number[] };
    audit: {
      sqlite: { appendsPerSec: number; appends: number };
      sqliteAsTheBotRunsIt: {
        appendsPerSec: number;
        appends: number;
        concurrency: number;
        perSlice: number[];
      };
      sqliteSyncModesInsertsPerSec: Record<string, number>;
      postgres: PostgresAppendResult;
    };
  };
}

/** Every scenario of the plan, in order; the servers and the work directory are always cleaned up. */
export async function runBench(plan: BenchPlan, log: (line: string) => void): Promise<BenchResults> {
  const machine = machineInfo();
  const workDir = await mkdtemp(join(tmpdir(), 'cancel-stockin-bench-'));
  const services = await startBenchServices();
  try {
    // Micro first, while nothing else of ours is running.
    log('micro: signing and audit appends…');
    const signing = benchSigning(plan.microMs);
    const sqlite = await benchSqliteAppends(workDir, plan.microMs);
    const sqliteAsTheBotRunsIt = await benchThreadedSqliteAppends(workDir, plan.microMs, 8);
    const sqliteSyncModesInsertsPerSec = benchSqliteSyncModes(workDir, Math.min(plan.microMs, 1000));
    const postgres = await benchPostgresAppends(plan.microMs);

    log(`start-up (${plan.startupSamples} sample(s) per entry)…`);
    const startup = await benchStartup(services.botEnv, workDir, {
      count: plan.startupSamples,
      build: plan.buildForStartup,
    });

    log('command and confirm paths: bot and floors each in a child process…');
    const bot = await startBot(services.botEnv, workDir, 'dist');
    const floor = await startFloor(services.botEnv, workDir);
    let commandPath: CommandPathLevel[];
    let confirmPath: ConfirmPathLevel[];
    let rss: BenchResults['details']['rss'];
    try {
      await sleep(1_000);
      const botIdleMb = readRss(bot.pid)?.rssMb ?? Number.NaN;
      const floorIdleMb = readRss(floor.pid)?.rssMb ?? Number.NaN;
      const botRss = sampleRss(bot.pid);
      const floorRss = sampleRss(floor.pid);
      commandPath = await benchCommandPath(services, bot, floor, {
        concurrencies: plan.concurrencies,
        rounds: plan.rounds,
        durationMs: plan.durationMs,
        warmupMs: plan.warmupMs,
        primeMs: plan.primeMs,
        quietSpellMs: plan.quietSpellMs,
        log,
      });
      const confirmFloor = await startFloor(services.botEnv, workDir, 'confirm-floor');
      try {
        confirmPath = await benchConfirmPath(
          services,
          { bot, floor: confirmFloor },
          { levels: plan.confirmLevels, rounds: plan.rounds, log },
        );
      } finally {
        await confirmFloor.stop();
      }
      rss = { botIdleMb, botPeakMb: botRss.stop(), floorIdleMb, floorPeakMb: floorRss.stop() };
    } catch (error) {
      log(`bot log tail:\n${bot.logTail()}`);
      throw error;
    } finally {
      await bot.stop();
      await floor.stop();
    }

    const startCommand = `node ${(await startScriptArgs()).join(' ')}`;
    const figures = judgeAll(
      figureParts({
        commandPath,
        confirmPath,
        startup,
        rssPeakMb: rss.botPeakMb,
        signsPerSecSlices: signing.perRepeat,
        appendsPerSecSlices: sqliteAsTheBotRunsIt.perSlice,
      }),
    );
    const judged = plan.mode === JUDGED_MODE;
    return {
      mode: plan.mode,
      judged,
      pass: judged ? misses(figures).length === 0 : null,
      figures,
      startupEntry: startup.distMs === null ? 'node --import tsx src/main.ts' : startCommand,
      finishedAt: new Date().toISOString(),
      machine: { ...machine, loadAverageAtEnd: loadAverage(), cpuPressureAvg10AtEnd: cpuPressureAvg10() },
      source: sourceInfo(),
      method: {
        layout: `bench process: Slack Web API stand-in + WDT sandbox on the main thread, the command path's undici closed-loop load generator on a thread of its own (the confirm path's on the main thread); bot (${startCommand}, as npm start runs it) and floors (compiled to dist/bench/floor/*.js) each in their own child process under plain node, alive side by side, loaded one at a time`,
        rounds: `${plan.rounds} interleaved round(s); in each, at every level, bot and floor run back to back, which goes first flipping from round to round and level to level; a judged figure is the median of its per-round values (ratios: of the per-round bot/floor ratios), the worst part (concurrency) when it has several`,
        commandPath: `concurrency ${plan.concurrencies.join('/')} × ${plan.durationMs} ms per run; before each run its side takes ${plan.primeMs} ms of unmeasured load at the same concurrency, so both sides start from the same recent history; the work a run (or that load) started drains (no stand-in call for 250 ms), then ${plan.quietSpellMs} ms idle, so every bot run starts with a full admission bucket`,
        ackLatency: 'request handed to undici → whole HTTP response read, 2xx only',
        viewsOpen:
          'request handed to undici (load thread) → views.open arriving at the stand-in (main thread), both on the monotonic clock; burst = commands sent in a run’s first 500 ms, steady = the rest',
        confirmPath:
          'per round and level: the bot’s dialogs opened at 18 commands/s, then the bot and the confirm floor (ack, the signed cancel, one post; no audit, no re-check) each confirm as many fresh orders with `c` in flight end to end; →WDT uses the sandbox arrival Date (1 ms resolution); confirmations/s counts outcome messages between the first and the last `c` of a run',
        cpu: 'utime + stime from /proc/<pid>/stat (all threads) and /proc/<pid>/task/<pid>/stat (main thread), 10 ms ticks, read before a run and after the stand-ins have been quiet for 250 ms',
        startupMs: `spawn → first GET /readyz 200 (5 ms polls), median of the samples; the built entry (npm run build; ${startCommand}) in full mode, node --import tsx src/main.ts otherwise`,
        rssPeakMb:
          'bot process VmRSS/VmHWM sampled every 100 ms over the command and confirm runs; the peak, not a median',
        auditAppendsPerSec:
          'SQLite store as the bot runs it (own thread, WAL, synchronous=FULL, group commit), 8 appenders in flight, median of three slices; sequential appends on the store in-process are in details.audit.sqlite',
      },
      details: {
        commandPath,
        confirmPath,
        startup,
        rss,
        signing,
        audit: { sqlite, sqliteAsTheBotRunsIt, sqliteSyncModesInsertsPerSec, postgres },
      },
    };
  } finally {
    await services.close();
    await rm(workDir, { recursive: true, force: true });
  }
}
