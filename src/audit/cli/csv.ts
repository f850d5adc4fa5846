import type { AuditEntry } from '../../core/ports/audit.js';

/** Makes Excel and LibreOffice show Chinese text correctly when the file is opened by double-click. */
export const UTF8_BOM = '\uFEFF';

type Cell = string | number | null;

const COLUMNS: ReadonlyArray<readonly [name: string, value: (entry: AuditEntry) => Cell]> = [
  ['seq', (e) => e.seq],
  ['entry_id', (e) => e.entryId],
  ['event', (e) => e.event],
  ['at', (e) => e.at],
  ['attempt_id', (e) => e.record.attemptId],
  ['batch_id', (e) => e.record.batchId],
  ['state', (e) => e.record.state],
  ['order_no', (e) => e.record.orderNo],
  ['requester_id', (e) => e.record.requesterId],
  ['approver_ids', (e) => e.record.approverIds.join(' ')],
  ['reason', (e) => e.record.reason],
  ['team_id', (e) => e.record.teamId],
  ['channel', (e) => e.record.channelId],
  ['wdt_host', (e) => e.record.wdtHost],
  ['method', (e) => e.record.method],
  ['body_digest', (e) => e.record.bodyDigest],
  ['wdt_status', (e) => e.record.wdtStatus],
  ['wdt_code', (e) => e.record.wdtCode],
  ['wdt_message', (e) => e.record.wdtMessage],
  ['wdt_outcome', (e) => e.record.wdtOutcome],
  ['duration_ms', (e) => e.record.durationMs],
  ['status_before', (e) => e.record.statusBefore],
  ['status_after', (e) => e.record.statusAfter],
  ['slack_channel', (e) => e.record.slackChannelId],
  ['slack_ts', (e) => e.record.slackTs],
  ['notified_via', (e) => e.record.notifiedVia],
  ['detail', (e) => e.record.detail],
  ['prev_hash', (e) => e.prevHash],
  ['hash', (e) => e.hash],
];

export const CSV_HEADER = csvLine(COLUMNS.map(([name]) => name));

export function entryToCsvLine(entry: AuditEntry): string {
  return csvLine(COLUMNS.map(([, value]) => value(entry)));
}

/** One RFC 4180 record, CRLF-terminated; every text cell quoted, numbers and empty cells bare. */
function csvLine(cells: Cell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

function csvCell(cell: Cell): string {
  if (cell === null) return '';
  // Numbers are rendered by us and cannot form a formula; text came from users and WDT and might.
  if (typeof cell === 'number') return String(cell);
  return `"${neutraliseFormulas(cell).replaceAll('"', '""')}"`;
}

/**
 * CSV formula injection (OWASP): a spreadsheet evaluates a cell that starts with = + - @ (or tab / CR, which
 * some apps strip first). A leading single quote makes it plain text; the quote is visible in the export.
 *
 * Quoting alone is not enough: a spreadsheet set to read `;` (the default list separator where the decimal
 * mark is a comma) treats a quote as opening a field only at the start of a field, so `"x;=cmd"` in the
 * middle of a line becomes the cells `"x` and `=cmd"`. So a trigger is also neutralised wherever a cell could
 * start inside the text under any reading: after `,` `;` tab, a line break, or a quote character.
 */
function neutraliseFormulas(text: string): string {
  return text.replace(/(?<=^|[,;\t\r\n"])(?=[=+\-@\t\r])/g, "'");
}
