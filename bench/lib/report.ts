import type { ConfirmRun } from '../scenarios/confirm-path.js';
import { QUIET_DISTANCE } from './ack-neighbours.js';
import type { BenchResults } from './run-bench.js';
import { median, medianSummary } from './stats.js';
import { FIGURE_KEYS, type Figure, MIN_ROUNDS } from './targets.js';
import { BURST_WINDOW_MS } from './views-open-delays.js';

const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** As many digits as a figure of that size needs. */
const fmtValue = (value: number) => fmt(value, Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n');
}

/** `PASS  key  value (≤ limit)  c=50: v1 v2 v3 → median | c=200: …`: every value the verdict rests on. */
export function formatFigure(key: string, figure: Figure, judged: boolean): string {
  const mark = !figure.target ? 'info' : !judged ? '----' : figure.pass ? 'PASS' : 'MISS';
  const target = figure.target ? `${figure.target.op === '<=' ? '≤' : '≥'} ${figure.target.limit}` : '';
  const parts = figure.parts
    .map((part) => {
      const values = part.values.length === 0 ? 'no values' : part.values.map(fmtValue).join(' ');
      const summary = part.values.length > 1 ? ` → ${fmtValue(part.median)}` : '';
      return `${part.label}: ${values}${summary}`;
    })
    .join(' | ');
  const problem = figure.problem ? `  (${figure.problem})` : '';
  return `  ${mark}  ${key.padEnd(33)} ${`${fmtValue(figure.value)} ${figure.unit}`.padStart(12)}  ${target.padEnd(10)} ${parts}${problem}`;
}

/** The human summary: both paths, resources and micro, then every figure with its values and verdict. */
export function formatReport(results: BenchResults): string {
  const out: string[] = [];
  const m = results.machine;
  const { srcChanges, benchChanges } = results.source;
  out.push(`cancel-stockin bench (${results.mode}) on ${m.cpuModel}, ${m.cores} cores, node ${m.node}`);
  if (!results.judged)
    out.push(
      `NOT JUDGED: ${results.mode} mode runs one round; only a full run (${MIN_ROUNDS} interleaved rounds) is judged.`,
    );
  const changes = [
    srcChanges > 0 ? `${srcChanges} uncommitted src change(s)` : '',
    benchChanges > 0 ? `${benchChanges} uncommitted bench change(s)` : '',
  ].filter(Boolean);
  out.push(
    `code ${results.source.commit.slice(0, 12)}${changes.length > 0 ? ` + ${changes.join(', ')}` : ''}; load ${m.loadAverageAtStart.join(' ')} → ${m.loadAverageAtEnd?.join(' ')}; CPU pressure avg10 ${m.cpuPressureAvg10AtStart}% → ${m.cpuPressureAvg10AtEnd}%`,
  );
  out.push('');
  out.push(...commandPathSection(results));
  out.push('');
  out.push(...confirmPathSection(results));
  out.push('');
  out.push(...resourcesSection(results));
  out.push('');
  out.push(
    results.judged
      ? `Figures: values round by round (or samples) → the median; a figure with several parts is its worst part`
      : 'Figures (not judged)',
  );
  for (const key of FIGURE_KEYS) out.push(formatFigure(key, results.figures[key], results.judged));
  if (results.judged) out.push(results.pass ? 'Every target met.' : 'At least one target missed.');
  return out.join('\n');
}

function commandPathSection(results: BenchResults): string[] {
  const out = ['Command path (medians over rounds; ms; CPU per request in µs, main thread)'];
  const rows = [
    [
      'c',
      'target',
      'ack p50',
      'ack p99',
      'ack max',
      'req/s',
      'CPU/req',
      'admitted/s',
      'shed',
      'views.open p50',
      `burst p99`,
      'steady p99',
    ],
  ];
  for (const level of results.details.commandPath) {
    const f = level.floor.median;
    const b = level.bot.median;
    const cells = (run: typeof f) => [
      fmt(run.ack.p50),
      fmt(run.ack.p99),
      fmt(run.ack.max),
      fmt(run.requestsPerSec, 0),
      fmt(run.cpuPerRequest.mainMs * 1000, 0),
    ];
    rows.push([String(level.concurrency), 'floor', ...cells(f), '', '', '', '', '']);
    rows.push([
      String(level.concurrency),
      'bot',
      ...cells(b),
      fmt(b.admittedPerSec, 0),
      `${fmt(b.shedShare * 100, 1)} %`,
      fmt(b.viewsOpen?.all.p50 ?? Number.NaN),
      fmt(b.viewsOpen?.burst.p99 ?? Number.NaN),
      fmt(b.viewsOpen?.steady.p99 ?? Number.NaN),
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
  const burstSizes = results.details.commandPath.map(
    (level) =>
      `c=${level.concurrency} ${level.bot.rounds.map((run) => fmt(run.viewsOpen?.burst.count ?? Number.NaN, 0)).join('/')}`,
  );
  out.push(
    `views.open burst = commands sent in a run's first ${BURST_WINDOW_MS} ms; admitted there, by round: ${burstSizes.join(', ')}`,
  );
  return out;
}

function confirmPathSection(results: BenchResults): string[] {
  const out = ['Confirm path (medians over rounds; ms; CPU per confirmation in ms, all threads / main)'];
  const rows = [
    [
      'c',
      'target',
      'n',
      'ack p99',
      '→WDT p50',
      '→WDT p99',
      '→outcome p50',
      '→outcome p99',
      'conf/s',
      'CPU',
      'cancelled',
    ],
  ];
  const medianRow = (concurrency: number, name: string, runs: readonly ConfirmRun[]) => {
    const of = (value: (run: ConfirmRun) => number) => median(runs.map(value));
    const toWdt = medianSummary(runs.map((run) => run.toWdt));
    const toOutcome = medianSummary(runs.map((run) => run.toOutcome));
    return [
      String(concurrency),
      name,
      String(runs[0]?.submissions ?? 0),
      fmt(of((run) => run.ack.p99)),
      fmt(toWdt.p50),
      fmt(toWdt.p99),
      fmt(toOutcome.p50),
      fmt(toOutcome.p99),
      fmt(
        of((run) => run.confirmsPerSec),
        0,
      ),
      `${fmt(of((run) => run.cpuPerConfirm.allMs))} / ${fmt(of((run) => run.cpuPerConfirm.mainMs))}`,
      `${runs.reduce((sum, run) => sum + run.cancelled, 0)}/${runs.reduce((sum, run) => sum + run.submissions, 0)}`,
    ];
  };
  for (const level of results.details.confirmPath) {
    rows.push(medianRow(level.concurrency, 'floor', level.floor));
    rows.push(medianRow(level.concurrency, 'bot', level.bot));
  }
  out.push(table(rows));
  for (const level of results.details.confirmPath) {
    const openings = level.opening
      .map(
        (o) =>
          `${fmt(o.cpuPerCommand.allMs)}/${fmt(o.cpuPerCommand.mainMs)}${o.turnedAway > 0 ? ` (${o.turnedAway} turned away)` : ''}`,
      )
      .join(', ');
    out.push(
      `c=${level.concurrency} dialogs opened for the bot, CPU per admitted command (ms, all/main) by round: ${openings}`,
    );
  }
  return out;
}

function resourcesSection(results: BenchResults): string[] {
  const { startup, rss, audit, signing } = results.details;
  const out = [
    `Start-up to /readyz: tsx ${fmt(startup.tsxMs, 0)} ms; dist ${startup.distMs === null ? startup.distNote : `${fmt(startup.distMs, 0)} ms`}`,
    `RSS bot idle ${fmt(rss.botIdleMb, 1)} MB, peak ${fmt(rss.botPeakMb, 1)} MB (floor idle ${fmt(rss.floorIdleMb, 1)}, peak ${fmt(rss.floorPeakMb, 1)})`,
    `Signatures: ${fmt(signing.signsPerSec, 0)}/s`,
  ];
  const modes = Object.entries(audit.sqliteSyncModesInsertsPerSec)
    .map(([mode, rate]) => `${mode} ${fmt(rate, 0)}/s`)
    .join(', ');
  out.push(
    `Audit appends: SQLite durable, as the bot runs it (thread, group commit, 8 in flight) ${fmt(audit.sqliteAsTheBotRunsIt.appendsPerSec, 0)}/s`,
    `               SQLite durable, sequential in-process ${fmt(audit.sqlite.appendsPerSec, 0)}/s (bare inserts: ${modes})`,
  );
  const pg = audit.postgres;
  out.push(
    pg.reachable
      ? `               PostgreSQL ${fmt(pg.sequential?.appendsPerSec ?? Number.NaN, 0)}/s sequential, ${fmt(pg.concurrent?.appendsPerSec ?? Number.NaN, 0)}/s with 8 in flight (${pg.note})`
      : `               PostgreSQL: ${pg.note}`,
  );
  return out;
}
