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
import {
  cpuPressureAvg10,
  loadAverage,
  type MachineInfo,
  machineInfo,
  type SourceInfo,
  sourceInfo,
} from './machine.js';
import type { BenchPlan } from './modes.js';
import { readRss, sampleRss } from './rss.js';
import { startBenchServices } from './services.js';
import { startScriptArgs } from './start-script.js';
import { round } from './stats.js';
import type { Headline } from './targets.js';
import { startBot, startFloor } from './targets-process.js';

export interface BenchResults extends Headline {
  mode: BenchPlan['mode'];
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
      sqliteAsTheBotRunsIt: { appendsPerSec: number; appends: number; concurrency: number };
      sqliteSyncModesInsertsPerSec: Record<string, number>;
      postgres: PostgresAppendResult;
    };
  };
}

const worst = (values: number[], pick: 'max' | 'min') =>
  values.length === 0 ? Number.NaN : pick === 'max' ? Math.max(...values) : Math.min(...values);

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

    log('command and confirm paths: bot and floor each in a child process…');
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
        log,
      });
      const confirmFloor = await startFloor(services.botEnv, workDir, 'confirm-floor');
      try {
        confirmPath = await benchConfirmPath(services, bot, {
          levels: plan.confirmLevels,
          floor: confirmFloor,
          log,
        });
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
    const c50 = commandPath.find((level) => level.concurrency === 50) ?? commandPath.at(-1);
    const c1 = commandPath.find((level) => level.concurrency === 1);
    const confirmC1 = confirmPath.find((level) => level.concurrency === 1);
    const confirmC50 = confirmPath.find((level) => level.concurrency === 50);
    return {
      ackP99RatioVsFloor: round(
        worst(
          commandPath.filter((l) => l.concurrency >= 50).map((l) => l.ackP99Ratio),
          'max',
        ),
        3,
      ),
      ackP99AtC1Ms: round(c1?.bot.median.ack.p99 ?? Number.NaN),
      throughputRatioVsFloor: round(
        worst(
          commandPath.map((l) => l.throughputRatio),
          'min',
        ),
        3,
      ),
      commandToViewsOpenP99Ms: round(c50?.bot.viewsOpen.p99 ?? Number.NaN),
      confirmToWdtP99Ms: round(
        worst(
          confirmPath.map((l) => l.toWdt.p99),
          'max',
        ),
      ),
      confirmToWdtP99AtC1Ms: round(confirmC1?.toWdt.p99 ?? Number.NaN),
      confirmToWdtP99RatioVsFloorAtC50: round(confirmC50?.toWdtP99RatioVsFloor ?? Number.NaN, 3),
      confirmToOutcomeP99Ms: round(
        worst(
          confirmPath.map((l) => l.toOutcome.p99),
          'max',
        ),
      ),
      confirmFloorToWdtP99Ms: round(
        worst(
          confirmPath.map((l) => l.floor?.toWdt.p99 ?? Number.NaN),
          'max',
        ),
      ),
      startupMs: round(startup.distMs ?? startup.tsxMs, 0),
      startupEntry: startup.distMs === null ? 'node --import tsx src/main.ts' : startCommand,
      rssPeakMb: round(rss.botPeakMb, 1),
      signsPerSec: round(signing.signsPerSec, 0),
      auditAppendsPerSec: round(sqliteAsTheBotRunsIt.appendsPerSec, 0),
      mode: plan.mode,
      finishedAt: new Date().toISOString(),
      machine: { ...machine, loadAverageAtEnd: loadAverage(), cpuPressureAvg10AtEnd: cpuPressureAvg10() },
      source: sourceInfo(),
      method: {
        layout: `bench process: Slack Web API stand-in + WDT sandbox on the main thread, the command path's undici closed-loop load generator on a thread of its own (the confirm path's on the main thread); bot (${startCommand}, as npm start runs it) and floor (compiled to dist/bench/floor/main.js) each in their own child process under plain node, alive side by side, loaded one at a time`,
        commandPath: `${plan.rounds} round(s) × concurrency ${plan.concurrencies.join('/')} × ${plan.durationMs} ms each, bot and floor alternating (order flips every pair); ratios are medians of per-round bot/floor ratios; the ack p99 ratio headline is the worst at c ≥ 50, c = 1 is judged by its absolute ack p99`,
        ackLatency: 'request handed to undici → whole HTTP response read, 2xx only',
        viewsOpen:
          'request handed to undici (load thread) → views.open arriving at the stand-in (main thread), both on the monotonic clock',
        confirmPath:
          'views opened first, then submissions with `c` confirmations in flight end to end; →WDT uses the sandbox arrival Date (1 ms resolution); worst p99 over concurrencies. The confirm floor (bench/floor/confirm-floor.ts: ack, the signed cancel, one post; no audit, no re-check) gets as many fresh orders at each concurrency right after the bot',
        startupMs: `spawn → first GET /readyz 200 (5 ms polls), median; the built entry (npm run build; ${startCommand}) in full mode, node --import tsx src/main.ts otherwise; both in details`,
        rssPeakMb: 'bot process VmRSS/VmHWM sampled every 100 ms over the command and confirm runs',
        auditAppendsPerSec:
          'SQLite store as the bot runs it (own thread, WAL, synchronous=FULL, group commit), 8 appenders in flight; sequential appends on the store in-process are in details.audit.sqlite',
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
