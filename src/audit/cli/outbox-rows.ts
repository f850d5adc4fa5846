import type { OutboxRow, OutboxSummary } from '../../core/ports/outbox.js';
import { formatAge } from './held-locks.js';
import { textTable } from './text-table.js';

const COLUMNS = [
  'ID',
  'STATE',
  'KIND',
  'WHAT',
  'CHANNEL',
  'OWED AT',
  'AGE',
  'TRIES',
  'LAST ERROR',
  'KEY',
] as const;
/** The audit channel, as the process delivering the message is configured (AUDIT_CHANNEL_ID). */
const AUDIT_CHANNEL = '(audit channel)';

/** What a message is about, in a few words: the order and its state, the batch, the pause, the step. */
function what(row: OutboxRow): string {
  const { body } = row.item;
  switch (body.kind) {
    case 'outcome':
      return `${body.record.orderNo ?? '-'} ${body.record.state}`;
    case 'batch':
      return `batch ${body.batchId}`;
    case 'control':
      return `${body.event} by ${body.by}`;
    case 'step':
      return `step ${body.functionExecutionId}`;
  }
}

/**
 * The outbox as `audit -- outbox` prints it: a line of totals, then one row per message, oldest first: what it
 * is, where it goes, since when it is owed, how often it was tried and the last error Slack gave (for a
 * message given up, the reason).
 */
export function formatOutboxRows(rows: readonly OutboxRow[], summary: OutboxSummary, now: Date): string {
  const oldest = summary.oldestPendingMs === null ? '' : ` (oldest ${formatAge(summary.oldestPendingMs)})`;
  const totals = `${summary.pending} pending${oldest}, ${summary.givenUp} given up\n`;
  if (rows.length === 0) return totals;
  const table = rows.map((row) => [
    String(row.id),
    row.state,
    `${row.item.body.kind}/${row.item.mode}`,
    what(row),
    row.item.channelId ?? AUDIT_CHANNEL,
    row.owedAt,
    formatAge(now.getTime() - Date.parse(row.owedAt)),
    String(row.tries),
    (row.lastError ?? '').replace(/\s+/g, ' '),
    row.item.key,
  ]);
  return `${totals}${textTable(COLUMNS, table)}`;
}
