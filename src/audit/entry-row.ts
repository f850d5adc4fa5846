import {
  ATTEMPT_STATES,
  type AttemptRecord,
  type AuditEntry,
  type AuditEvent,
  type ChainHead,
  type ChainVerdict,
  CONTROL_EVENTS,
  type ControlEntry,
  type ControlRecord,
} from '../core/ports/audit.js';
import { canonicalJson } from './canonical-json.js';
import { entryHashOverRecordJson, type StoredEntry, verifyEntries } from './hash-chain.js';

/** One row of `audit_entries`, the same on both backends (Postgres BIGINT seq is converted on read). */
export interface EntryRow {
  seq: number;
  entry_id: string;
  attempt_id: string;
  order_no: string | null;
  event: string;
  at: string;
  record_json: string;
  prev_hash: string;
  hash: string;
}

const AUDIT_EVENTS: ReadonlySet<string> = new Set<string>([
  ...ATTEMPT_STATES,
  'notified',
  'corrected',
  ...CONTROL_EVENTS,
]);

/** Rejects input that would write a misleading entry; a bug here must fail loudly, not be recorded. */
export function assertAppendable(event: AuditEvent, record: AttemptRecord, at: Date): void {
  if (!AUDIT_EVENTS.has(event)) throw new TypeError(`audit: unknown event ${JSON.stringify(event)}`);
  if (!(at instanceof Date) || Number.isNaN(at.getTime()))
    throw new TypeError('audit: `at` is not a valid Date');
  if (typeof record?.attemptId !== 'string' || record.attemptId === '') {
    throw new TypeError('audit: record.attemptId is required');
  }
  const expected = event === 'corrected' ? 'cancelled' : event;
  if (event !== 'notified' && (record.state as string) !== expected) {
    throw new TypeError(
      `audit: event ${event} but record.state is ${record.state}; the record must be the attempt as it is after the event`,
    );
  }
}

/** A control entry is about no order, and its record says which control it is. */
export function assertControl(record: ControlRecord, at: Date): void {
  if (!(CONTROL_EVENTS as readonly string[]).includes(record?.state)) {
    throw new TypeError(`audit: ${JSON.stringify(record?.state)} is not a control event`);
  }
  if (record.orderNo !== null) throw new TypeError('audit: a control entry is about no order');
  if (typeof record.requesterId !== 'string' || record.requesterId === '') {
    throw new TypeError('audit: a control entry names who did it (requesterId)');
  }
  assertAppendable(record.state, record as unknown as AttemptRecord, at);
}

/** The control record travels through the chain code as the record type every entry has (see ControlRecord). */
export function controlAsRecord(record: ControlRecord): AttemptRecord {
  return record as unknown as AttemptRecord;
}

export function asControlEntry(entry: AuditEntry): ControlEntry {
  return entry as unknown as ControlEntry;
}

export function controlAsEntry(entry: ControlEntry): AuditEntry {
  return entry as unknown as AuditEntry;
}

/** Builds the next entry on top of `head`, with the row that stores it. */
export function buildEntry(
  head: ChainHead,
  entryId: string,
  event: AuditEvent,
  record: AttemptRecord,
  at: Date,
): { entry: AuditEntry; row: EntryRow } {
  const recordJson = canonicalJson(record);
  // The returned record is the stored one, so callers never hold an alias of what they passed in.
  const stored: AttemptRecord = JSON.parse(recordJson);
  const unhashed = {
    seq: head.seq + 1,
    entryId,
    event,
    at: at.toISOString(),
    record: stored,
    prevHash: head.hash,
  };
  const hash = entryHashOverRecordJson(head.hash, unhashed, recordJson);
  return {
    entry: { ...unhashed, hash },
    row: {
      seq: unhashed.seq,
      entry_id: entryId,
      attempt_id: record.attemptId,
      order_no: record.orderNo,
      event,
      at: unhashed.at,
      record_json: recordJson,
      prev_hash: head.hash,
      hash,
    },
  };
}

/** For reads the application trusts (history, export): the chain is checked by `verifyChain`, not here. */
export function rowToEntry(row: EntryRow): AuditEntry {
  return {
    seq: row.seq,
    entryId: row.entry_id,
    event: row.event as AuditEvent,
    at: row.at,
    record: JSON.parse(row.record_json),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** For verification: never throws on a damaged row, names the damage instead. */
export function rowToStoredEntry(row: EntryRow): StoredEntry {
  const base = {
    seq: row.seq,
    entryId: row.entry_id,
    event: row.event,
    at: row.at,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
  let record: unknown;
  try {
    record = JSON.parse(row.record_json);
  } catch {
    return { ...base, record: null, defect: 'record_json is not valid JSON' };
  }
  return {
    ...base,
    record,
    defect: findTextDefect(row.record_json, record) ?? findColumnDefect(row, record),
  };
}

/**
 * The hash covers the canonical form of the parsed record, so stored text that parses to the same value but is
 * not that form (a duplicate key such as `"reason":"FORGED","reason":"original"`, whose first value SQL's
 * json_extract returns while JSON.parse keeps the last) would verify while readers of the raw text see
 * something else. Only the exact canonical text is trusted.
 */
function findTextDefect(recordJson: string, record: unknown): string | undefined {
  let canonical: string;
  try {
    canonical = canonicalJson(record);
  } catch {
    return 'record_json holds a value canonical JSON cannot represent';
  }
  if (canonical === recordJson) return undefined;
  return 'record_json is not the canonical form of its own value (a duplicate key, reordered keys or extra whitespace)';
}

function findColumnDefect(row: EntryRow, record: unknown): string | undefined {
  if (!AUDIT_EVENTS.has(row.event)) return `event ${JSON.stringify(row.event)} is not an audit event`;
  if (typeof record !== 'object' || record === null) return 'record_json is not an object';
  const { attemptId, orderNo } = record as Partial<AttemptRecord>;
  // The indexed columns drive orderHistory and the exports' filters; they must say what the hash covers.
  if (row.attempt_id !== attemptId) return 'column attempt_id disagrees with the hashed record';
  if (row.order_no !== (orderNo ?? null)) return 'column order_no disagrees with the hashed record';
  return undefined;
}

/** Walks stored rows in chain order and names the first bad one; shared by both backends. */
export function verifyRows(rows: AsyncIterable<EntryRow>): Promise<ChainVerdict> {
  const stored = async function* () {
    for await (const row of rows) yield rowToStoredEntry(row);
  };
  return verifyEntries(stored());
}
