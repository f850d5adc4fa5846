import { type AttemptState, type AuditEntry, isControlEvent } from '../../core/ports/audit.js';
import { shanghaiTime, utcTime } from '../../shanghai-time.js';

/**
 * Text from users and WDT is shown with control characters escaped: one entry stays one line, and a
 * message cannot smuggle terminal escape sequences into an auditor's terminal.
 */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) =>
    ch === '\n' ? '\\n' : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * One readable line per entry: seq, time in UTC and Shanghai, event, who, outcome. `before` is the attempt's
 * state before this entry, which a correction names (the state it overturns).
 */
export function formatHistoryLine(entry: AuditEntry, before?: AttemptState): string {
  return printable(rawHistoryLine(entry, before));
}

/** The lines of entries in chain order, each correction naming the state its attempt was recorded in. */
export function formatHistory(entries: readonly AuditEntry[]): string[] {
  const states = new Map<string, AttemptState>();
  return entries.map((entry) => {
    const before = states.get(entry.record.attemptId);
    if (!isControlEvent(entry.event)) states.set(entry.record.attemptId, entry.record.state);
    return formatHistoryLine(entry, before);
  });
}

function rawHistoryLine(entry: AuditEntry, before: AttemptState | undefined): string {
  const at = new Date(entry.at);
  const r = entry.record;
  const who = [`by ${r.requesterId}`];
  if (r.approverIds.length > 0) who.push(`approved by ${r.approverIds.join(', ')}`);
  return [
    `#${entry.seq}`,
    `${utcTime(at)}Z (${shanghaiTime(at)} Asia/Shanghai)`,
    entry.event.padEnd(12),
    who.join(', '),
    describeOutcome(entry, before),
    `attempt ${r.attemptId}`,
  ]
    .filter((part) => part !== '')
    .join('  ');
}

function describeOutcome(entry: AuditEntry, before: AttemptState | undefined): string {
  const r = entry.record;
  if (entry.event === 'notified') return `notified via ${r.notifiedVia ?? 'unknown'}`;
  if (entry.event === 'requested') return r.reason ? `reason: ${r.reason}` : '';
  // An operator's pause or resume: where it was typed, and why (a pause's reason is required).
  if (isControlEvent(entry.event))
    return [`in ${r.channelId}`, r.reason ? `reason: ${r.reason}` : ''].filter(Boolean).join(', ');
  const parts: string[] = [];
  // A late truth from WDT overturning what was recorded: say what it overturns, so no reader takes the two
  // entries for two cancels.
  if (entry.event === 'corrected') {
    parts.push(
      `correction: WDT confirmed the cancel; the attempt was recorded as ${before ?? 'an earlier final state'}`,
    );
  }
  if (entry.event === 'awaiting_verdict' && r.verdictAfter) parts.push(`verdict after ${r.verdictAfter}`);
  if (r.wdtOutcome) parts.push(`WDT ${r.wdtOutcome}`);
  if (r.wdtStatus !== null) parts.push(`HTTP ${r.wdtStatus}`);
  if (r.wdtCode) parts.push(`code ${r.wdtCode}`);
  if (r.wdtMessage) parts.push(`"${r.wdtMessage}"`);
  if (r.statusBefore !== null || r.statusAfter !== null) {
    parts.push(`status ${r.statusBefore ?? '?'} -> ${r.statusAfter ?? '?'}`);
  }
  if (r.durationMs !== null) parts.push(`${r.durationMs} ms`);
  if (r.detail) parts.push(r.detail);
  return parts.join(', ');
}
