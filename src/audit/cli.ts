import { createWriteStream, existsSync, realpathSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type AuditStore, type EntryRange, isControlEvent } from '../core/ports/audit.js';
import { type Clock, systemClock } from '../core/ports/clock.js';
import { loadEnvFile } from '../env-file.js';
import { createLogger, type Logger } from '../logger.js';
import { type DbTarget, describeDbTarget, openTargetStore, resolveDbTarget } from './cli/db-target.js';
import { EXPORT_FORMATS, type ExportFormat, exportEntries, isExportFormat } from './cli/export-entries.js';
import { formatHeldLocks } from './cli/held-locks.js';
import { formatHistory, formatHistoryLine } from './cli/history-line.js';
import { formatOutboxRows } from './cli/outbox-rows.js';
import { parseRangeBound } from './cli/time-range.js';
import { checkWitnesses, parseWitness, type Witness } from './cli/witness.js';
import { loadWitnessFiles, WitnessFileError } from './cli/witness-files.js';

const EXIT_OK = 0;
/** The chain is broken (verify). */
const EXIT_BROKEN = 1;
const EXIT_USAGE = 2;
/** The command could not run: no database, unreachable server, unwritable output. */
const EXIT_FAILED = 3;

export const USAGE = `Usage: npm run audit -- <command> [options]

Commands:
  verify [--witness SEQ:HASH]... [--witness-slack FILE]... [--witness-log FILE]...
                              Re-hash the whole audit chain. Exit 0 when intact (prints the entry count and
                              head hash: keep it, a later verify must extend it), 1 naming the first bad entry.
                              Each --witness is an entry seen outside the database (the chain head on a
                              result message in Slack, or an earlier verify): exit 1 when the chain no longer
                              holds it (cut back, or rewritten from that entry on). --witness-slack takes every
                              chain head in exported Slack messages (a channel's day file from a workspace
                              export, or one message per line); --witness-log every 'audit entry committed'
                              line of the bot's own log.
  export [--format csv|jsonl] [--since DATE] [--until DATE] [--out FILE]
                              Write entries in chain order (default csv; default FILE audit-export-<UTC time>.<ext>
                              in the current directory; --out - writes to stdout). CSV is UTF-8 with BOM, every
                              text cell quoted; = + - @ tab CR at a cell's start, or after , ; " or a line
                              break inside it, get a leading ' so spreadsheets never run them as formulas
                              (read with , or ; as the separator).
  show ORDER_NO               Print the history of one stock-in order, oldest first.
  show pauses                 Print every operator pause and resume (who, when, where, why), oldest first.
  locks                       List the order locks held now: order, attempt, holder (the bot process's
                              instance id, live or not live by its lease), requester and age. A lock whose
                              holder is not live is released by an admin with "/cancel-stockin unlock ORDER_NO".
  outbox [--pending] [--given-up] [--limit N]
                              List the messages owed to Slack that are not delivered: pending (Slack is down,
                              rate-limiting or refusing them; the bot keeps trying) or given up (a channel the
                              bot cannot post to, a token Slack refuses). Each with what it is, its channel,
                              when it was owed, its tries and Slack's last error. Default: both kinds, oldest
                              first, at most 100 (--limit).

Options:
  --db PATH|URL               SQLite file or postgres:// URL. Default: $DATABASE_URL, else $AUDIT_DB_PATH,
                              else ./data/audit.db.
  -h, --help                  Show this help.

DATE is YYYY-MM-DD (a UTC day; --until includes that whole day) or an ISO 8601 time with Z or an offset,
e.g. 2024-05-01T00:00+08:00. --since is inclusive, --until exclusive.

Exit codes: 0 ok, 1 chain broken, 2 bad arguments, 3 could not run (database missing or unreachable, I/O error).
`;

export interface AuditCliIo {
  env: NodeJS.ProcessEnv;
  stdout: Writable;
  stderr: Writable;
  cwd: string;
  clock: Clock;
  /** Opens the store `--db` (or the environment) names; tests give their own. */
  openStore: (target: DbTarget, logger: Logger) => Promise<AuditStore>;
}

class UsageError extends Error {}

const COMMON_OPTIONS = { db: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

/** Runs one CLI invocation and resolves with its exit code; never calls process.exit. */
export async function runAuditCli(
  argv: readonly string[],
  partialIo: Partial<AuditCliIo> = {},
): Promise<number> {
  const io: AuditCliIo = {
    env: partialIo.env ?? process.env,
    stdout: partialIo.stdout ?? process.stdout,
    stderr: partialIo.stderr ?? process.stderr,
    cwd: partialIo.cwd ?? process.cwd(),
    clock: partialIo.clock ?? systemClock,
    openStore: partialIo.openStore ?? openTargetStore,
  };
  const [command, ...args] = argv;
  if (command === undefined) {
    io.stderr.write(`audit: missing command\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (command === '-h' || command === '--help' || command === 'help') return help(io);
  try {
    switch (command) {
      case 'verify':
        return await verifyCommand(args, io);
      case 'export':
        return await exportCommand(args, io);
      case 'show':
        return await showCommand(args, io);
      case 'locks':
        return await locksCommand(args, io);
      case 'outbox':
        return await outboxCommand(args, io);
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.stderr.write(`audit: ${(error as Error).message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    io.stderr.write(`audit ${command}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILED;
  }
}

function isParseArgsError(error: unknown): boolean {
  return error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');
}

function expectPositionals(
  positionals: string[],
  expected: { min: number; max: number; name: string },
): void {
  const count = positionals.length;
  if (count >= expected.min && count <= expected.max) return;
  throw new UsageError(
    expected.max === 0
      ? `unexpected argument ${JSON.stringify(positionals[0])}`
      : `expected ${expected.name}${count > expected.max ? `, got ${positionals.join(' ')}` : ''}`,
  );
}

async function withStore<T>(
  target: DbTarget,
  io: AuditCliIo,
  work: (store: AuditStore) => Promise<T>,
): Promise<T> {
  const logger = createLogger({ level: 'warn', destination: io.stderr });
  const store = await io.openStore(target, logger);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function verifyCommand(args: string[], io: AuditCliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...COMMON_OPTIONS,
      witness: { type: 'string', multiple: true },
      'witness-slack': { type: 'string', multiple: true },
      'witness-log': { type: 'string', multiple: true },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return help(io);
  expectPositionals(positionals, { min: 0, max: 0, name: 'no arguments' });
  const witnesses = parseWitnesses(values.witness ?? []);
  const fromFiles = await loadWitnessFiles(
    { slack: values['witness-slack'] ?? [], log: values['witness-log'] ?? [] },
    io.cwd,
  ).catch((error: unknown) => {
    throw error instanceof WitnessFileError ? new UsageError(error.message) : error;
  });
  const target = resolveDbTarget(values.db, io.env, io.cwd);
  const { verdict, witnessed } = await withStore(target, io, async (store) => {
    const verdict = await store.verifyChain();
    const witnessed = verdict.ok
      ? await checkWitnesses(store, witnesses, verdict.entries, fromFiles.witnesses)
      : { ok: false, lines: [] };
    return { verdict, witnessed };
  });
  if (verdict.ok) {
    const where = describeDbTarget(target);
    const seen = [...fromFiles.lines, ...witnessed.lines].map((line) => `${line}\n`).join('');
    if (!witnessed.ok) {
      io.stdout.write(`BROKEN: the audit chain no longer holds what a witness saw (${where})\n${seen}`);
      return EXIT_BROKEN;
    }
    io.stdout.write(
      `OK: audit chain intact (${where})\nentries: ${verdict.entries}\nhead hash: ${verdict.headHash}\n${seen}`,
    );
    return EXIT_OK;
  }
  io.stdout.write(
    `BROKEN: audit chain fails at seq ${verdict.firstBadSeq} (${describeDbTarget(target)})\n` +
      `problem: ${verdict.problem}\nentries verified before it: ${verdict.entries}\n`,
  );
  return EXIT_BROKEN;
}

async function exportCommand(args: string[], io: AuditCliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...COMMON_OPTIONS,
      format: { type: 'string', default: 'csv' },
      since: { type: 'string' },
      until: { type: 'string' },
      out: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return help(io);
  expectPositionals(positionals, { min: 0, max: 0, name: 'no arguments' });
  const format = values.format;
  if (!isExportFormat(format)) {
    throw new UsageError(
      `--format must be one of ${EXPORT_FORMATS.join(', ')}, got ${JSON.stringify(format)}`,
    );
  }
  const range = parseRange(values.since, values.until);
  const target = resolveDbTarget(values.db, io.env, io.cwd);

  if (values.out === '-') {
    const count = await withStore(target, io, (store) =>
      exportEntries(store, { format, range, destination: io.stdout, end: false }),
    );
    io.stderr.write(`exported ${count} entries (${format})\n`);
    return EXIT_OK;
  }
  const out = resolve(io.cwd, values.out ?? defaultExportName(io.clock.now(), format));
  if (existsSync(out)) throw new UsageError(`${out} already exists; choose another --out`);
  const count = await withStore(target, io, async (store) => {
    try {
      // wx: never overwrite, and never leave a half-written export looking like a complete one.
      return await exportEntries(store, {
        format,
        range,
        destination: createWriteStream(out, { flags: 'wx' }),
        end: true,
      });
    } catch (error) {
      // EEXIST: someone else's file appeared since the check above; it is not ours to delete.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') await rm(out, { force: true });
      throw error;
    }
  });
  io.stdout.write(`exported ${count} entries (${format}) to ${out}\n`);
  return EXIT_OK;
}

/** The arguments of a command that takes only `--db` and `--help`; null when help was asked for. */
function commonArgs(
  args: string[],
  io: AuditCliIo,
  expected: { min: number; max: number; name: string },
): { target: DbTarget; positionals: string[] } | null {
  const { values, positionals } = parseArgs({
    args,
    options: COMMON_OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return null;
  expectPositionals(positionals, expected);
  return { target: resolveDbTarget(values.db, io.env, io.cwd), positionals };
}

async function showCommand(args: string[], io: AuditCliIo): Promise<number> {
  const parsed = commonArgs(args, io, {
    min: 1,
    max: 1,
    name: 'one order number, e.g. show RK2024050100001',
  });
  if (!parsed) return help(io);
  const { target } = parsed;
  const orderNo = parsed.positionals[0] ?? '';
  if (orderNo === 'pauses') return showPauses(target, io);
  const history = await withStore(target, io, (store) => store.orderHistory(orderNo));
  if (history.length === 0) {
    io.stdout.write(`no audit entries for order ${orderNo}\n`);
    return EXIT_OK;
  }
  io.stdout.write(`order ${orderNo}: ${history.length} entries\n`);
  for (const line of formatHistory(history)) io.stdout.write(`${line}\n`);
  return EXIT_OK;
}

/** The operators' `paused` / `resumed` entries; a walk of the chain (they belong to no order). */
async function showPauses(target: DbTarget, io: AuditCliIo): Promise<number> {
  const lines = await withStore(target, io, async (store) => {
    const found: string[] = [];
    for await (const entry of store.entries())
      if (isControlEvent(entry.event)) found.push(formatHistoryLine(entry));
    return found;
  });
  io.stdout.write(lines.length === 0 ? 'no pause or resume recorded\n' : `${lines.join('\n')}\n`);
  return EXIT_OK;
}

async function locksCommand(args: string[], io: AuditCliIo): Promise<number> {
  const parsed = commonArgs(args, io, { min: 0, max: 0, name: 'no arguments' });
  if (!parsed) return help(io);
  const { target } = parsed;
  const [locks, leases] = await withStore(target, io, (store) =>
    Promise.all([store.heldLocks(), store.leases()]),
  );
  io.stdout.write(formatHeldLocks(locks, leases, io.clock.now()));
  return EXIT_OK;
}

/** Messages listed at most, unless `--limit` says otherwise. */
const OUTBOX_LIMIT = 100;

async function outboxCommand(args: string[], io: AuditCliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...COMMON_OPTIONS,
      pending: { type: 'boolean' },
      'given-up': { type: 'boolean' },
      limit: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return help(io);
  expectPositionals(positionals, { min: 0, max: 0, name: 'no arguments' });
  const limit = values.limit === undefined ? OUTBOX_LIMIT : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000)
    throw new UsageError(
      `--limit must be a whole number from 1 to 100000, got ${JSON.stringify(values.limit)}`,
    );
  const both = !values.pending && !values['given-up'];
  const states = [
    ...(both || values.pending ? (['pending'] as const) : []),
    ...(both || values['given-up'] ? (['given_up'] as const) : []),
  ];
  const target = resolveDbTarget(values.db, io.env, io.cwd);
  const [rows, summary] = await withStore(target, io, (store) =>
    Promise.all([store.outboxRows({ states, limit }), store.outboxSummary()]),
  );
  io.stdout.write(formatOutboxRows(rows, summary, io.clock.now()));
  return EXIT_OK;
}

function parseWitnesses(values: readonly string[]): Witness[] {
  try {
    return values.map(parseWitness);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function help(io: AuditCliIo): number {
  io.stdout.write(USAGE);
  return EXIT_OK;
}

function parseRange(since: string | undefined, until: string | undefined): EntryRange {
  try {
    const range: EntryRange = {};
    if (since !== undefined) range.since = parseRangeBound('--since', since);
    if (until !== undefined) range.until = parseRangeBound('--until', until);
    if (range.since && range.until && range.since >= range.until) {
      throw new UsageError('--since must be before --until');
    }
    return range;
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError((error as Error).message);
  }
}

/** `audit-export-20240501T040000Z.csv`: sortable, and no colons so it is a valid name on Windows too. */
function defaultExportName(now: Date, format: ExportFormat): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return `audit-export-${stamp}.${format}`;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** Like `npm start`, the CLI reads `./.env` when there is one; variables already set win. Said on stderr. */
function loadDotEnv(): boolean {
  try {
    const envFile = loadEnvFile({ cwd: process.cwd(), env: process.env });
    if (envFile.path !== null) {
      process.stderr.write(
        `audit: loaded ${envFile.path} (variables already in the environment were kept)\n`,
      );
    }
    return true;
  } catch (error) {
    process.stderr.write(`audit: ${(error as Error).message}\n`);
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = loadDotEnv() ? await runAuditCli(process.argv.slice(2)) : EXIT_FAILED;
}
