import { RUN_START_MS } from '../scenarios/command-path.js';
import type { ConfirmRun } from '../scenarios/confirm-path.js';
import { QUIET_DISTANCE } from './ack-neighbours.js';
import type { BenchResults } from './run-bench.js';
import { INFO_KEYS, judge } from './targets.js';

const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n');
}

/** The human summary: per-concurrency table, confirm path, resources, micro, and PASS/MISS per target. */
export function formatReport(results: BenchResults): string {
  const out: string[] = [];
  const m = results.machine;
  out.push(`cancel-stockin bench (${results.mode}) on ${m.cpuModel}, ${m.cores} cores, node ${m.node}`);
  out.push(
    `code ${results.source.commit.slice(0, 12)}${results.source.srcChanges > 0 ? ` + ${results.source.srcChanges} uncommitted src change(s)` : ''}; load ${m.loadAverageAtStart.join(' ')} → ${m.loadAverageAtEnd?.join(' ')}; CPU pressure avg10 ${m.cpuPressureAvg10AtStart}% → ${m.cpuPressureAvg10AtEnd}%`,
  );
  out.push('');
  out.push('Command path (medians over rounds; ms)');
  const rows = [
    [
      'c',
      'target',
      'ack p50',
      'ack p99',
      'ack max',
      'req/s',
      'admitted/s',
      'shed',
      'views.open p50',
      'views.open p99',
    ],
  ];
  for (const level of results.details.commandPath) {
    const f = level.floor.median;
    const b = level.bot.median;
    rows.push([
      String(level.concurrency),
      'floor',
      fmt(f.ack.p50),
      fmt(f.ack.p99),
      fmt(f.ack.max),
      fmt(f.requestsPerSec, 0),
      '',
      '',
      '',
      '',
    ]);
    rows.push([
      String(level.concurrency),
      'bot',
      fmt(b.ack.p50),
      fmt(b.ack.p99),
      fmt(b.ack.max),
      fmt(b.requestsPerSec, 0),
      fmt(b.admittedPerSec, 0),
      `${fmt(b.shedShare * 100, 1)} %`,
      fmt(level.bot.viewsOpen.p50),
      fmt(level.bot.viewsOpen.p99),
    ]);
    rows.push([
      String(level.concurrency),
      'ratio',
      '',
      fmt(level.ackP99Ratio, 3),
      '',
      fmt(level.throughputRatio, 3),
      '',
      '',
      '',
      '',
    ]);
  }
  out.push(table(rows));
  for (const level of results.details.commandPath) {
    const n = level.bot.median.neighbours;
    if (!n) continue;
    out.push(
      `c=${level.concurrency} bot acks by distance from the last admitted command: the next one p50 ${fmt(n.afterAdmittedP50)} ms; ${QUIET_DISTANCE}+ requests later p99 ${fmt(n.undisturbedP99)} ms (floor p99 ${fmt(level.floor.median.ack.p99)}); ${fmt(n.nearAdmittedShare * 100, 1)} % of acks came sooner`,
    );
  }
  for (const level of results.details.commandPath) {
    const { viewsOpenAtRunStart: start, viewsOpenAfterRunStart: after } = level.bot;
    out.push(
      `c=${level.concurrency} bot views.open p50/p99: commands sent in a run's first ${RUN_START_MS} ms (${fmt(start.count, 0)} a run, the bucket's burst) ${fmt(start.p50)}/${fmt(start.p99)} ms; the rest (${fmt(after.count, 0)} a run) ${fmt(after.p50)}/${fmt(after.p99)} ms`,
    );
  }
  out.push('');
  out.push('Confirm path (ms)');
  const confirmRows = [
    ['c', 'target', 'n', 'ack p99', '→WDT p50', '→WDT p99', '→outcome p50', '→outcome p99', 'cancelled'],
  ];
  for (const level of results.details.confirmPath) {
    const runs: Array<[string, ConfirmRun]> = [['bot', level]];
    if (level.floor) runs.unshift(['floor', level.floor]);
    for (const [name, run] of runs) {
      confirmRows.push([
        String(level.concurrency),
        name,
        String(run.submissions),
        fmt(run.ack.p99),
        fmt(run.toWdt.p50),
        fmt(run.toWdt.p99),
        fmt(run.toOutcome.p50),
        fmt(run.toOutcome.p99),
        String(run.cancelled),
      ]);
    }
    if (level.toWdtP99RatioVsFloor !== null) {
      confirmRows.push([
        String(level.concurrency),
        'ratio',
        '',
        '',
        '',
        fmt(level.toWdtP99RatioVsFloor, 3),
        '',
        '',
        '',
      ]);
    }
  }
  out.push(table(confirmRows));
  out.push('');
  const { startup, rss, audit, signing } = results.details;
  out.push(
    `Start-up to /readyz: tsx ${fmt(startup.tsxMs, 0)} ms; dist ${startup.distMs === null ? startup.distNote : `${fmt(startup.distMs, 0)} ms`}`,
  );
  out.push(
    `RSS bot idle ${fmt(rss.botIdleMb, 1)} MB, peak ${fmt(rss.botPeakMb, 1)} MB (floor idle ${fmt(rss.floorIdleMb, 1)}, peak ${fmt(rss.floorPeakMb, 1)})`,
  );
  out.push(`Signatures: ${fmt(signing.signsPerSec, 0)}/s`);
  const modes = Object.entries(audit.sqliteSyncModesInsertsPerSec)
    .map(([mode, rate]) => `${mode} ${fmt(rate, 0)}/s`)
    .join(', ');
  out.push(
    `Audit appends: SQLite durable, as the bot runs it (thread, group commit, 8 in flight) ${fmt(audit.sqliteAsTheBotRunsIt.appendsPerSec, 0)}/s`,
  );
  out.push(
    `               SQLite durable, sequential in-process ${fmt(audit.sqlite.appendsPerSec, 0)}/s (bare inserts: ${modes})`,
  );
  const pg = audit.postgres;
  out.push(
    pg.reachable
      ? `               PostgreSQL ${fmt(pg.sequential?.appendsPerSec ?? Number.NaN, 0)}/s sequential, ${fmt(pg.concurrent?.appendsPerSec ?? Number.NaN, 0)}/s with 8 in flight (${pg.note})`
      : `               PostgreSQL: ${pg.note}`,
  );
  out.push('');
  out.push('Targets');
  for (const verdict of judge(results)) {
    out.push(
      `  ${verdict.pass ? 'PASS' : 'MISS'}  ${verdict.key.padEnd(32)} ${fmt(verdict.value, 3).padStart(12)}  (${verdict.op} ${verdict.limit})`,
    );
  }
  for (const key of INFO_KEYS) {
    out.push(`  info  ${key.padEnd(32)} ${fmt(results[key], 3).padStart(12)}`);
  }
  return out.join('\n');
}
