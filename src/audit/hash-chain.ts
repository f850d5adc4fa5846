import { createHash } from 'node:crypto';
import type { ChainVerdict } from '../core/ports/audit.js';
import { canonicalJson } from './canonical-json.js';

/** The prevHash of entry 1. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields an entry's hash covers; an `AuditEntry` without its hash, or a stored entry being checked. */
export interface HashedFields {
  seq: number;
  entryId: string;
  event: string;
  at: string;
  record: unknown;
  prevHash: string;
}

/**
 * sha256 hex of prevHash followed by the canonical JSON of the entry's hashed fields. prevHash is both the
 * prefix and a hashed field on purpose: the prefix makes the link explicit to anyone re-implementing the
 * check, the field keeps the canonical text self-describing in exports.
 */
export function entryHash(prevHash: string, entry: HashedFields): string {
  return entryHashOverRecordJson(prevHash, entry, canonicalJson(entry.record));
}

/**
 * The same hash when the record's canonical JSON is already at hand (the append path stores that text, so it
 * need not be computed twice). The members are written in canonical (sorted) key order, which makes this
 * text identical to `canonicalJson({ seq, entryId, event, at, record, prevHash })`; a test holds it to that.
 */
export function entryHashOverRecordJson(
  prevHash: string,
  entry: Omit<HashedFields, 'record'>,
  recordJson: string,
): string {
  if (!Number.isSafeInteger(entry.seq)) throw new TypeError(`audit: seq ${entry.seq} is not an integer`);
  const canonical =
    `{"at":${JSON.stringify(entry.at)},"entryId":${JSON.stringify(entry.entryId)},` +
    `"event":${JSON.stringify(entry.event)},"prevHash":${JSON.stringify(entry.prevHash)},` +
    `"record":${recordJson},"seq":${entry.seq}}`;
  return createHash('sha256')
    .update(prevHash + canonical, 'utf8')
    .digest('hex');
}

/**
 * An entry as read back from storage, before it is trusted: `record` is whatever the stored JSON parsed to,
 * and `defect` says what the reader already found wrong with the row (unparseable JSON, an indexed column
 * that disagrees with the hashed record).
 */
export interface StoredEntry extends HashedFields {
  hash: string;
  defect?: string | undefined;
}

/**
 * Walks entries in seq order and names the first one that breaks the chain:
 * - a seq gap means entries were deleted (or one was inserted with a forged seq);
 * - a prev_hash that is not the previous entry's hash means entries were reordered, inserted or deleted;
 * - a hash that does not match the entry's own contents means the entry was edited.
 * A chain can only prove what it contains: removing the newest entries, or appending a well-forged one,
 * is visible only against a head hash recorded elsewhere (the `verify` output is meant to be kept).
 */
export async function verifyEntries(
  entries: Iterable<StoredEntry> | AsyncIterable<StoredEntry>,
): Promise<ChainVerdict> {
  let count = 0;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  for await (const entry of entries) {
    const problem = findProblem(entry, expectedSeq, prevHash);
    if (problem) return { ok: false, entries: count, ...problem };
    count += 1;
    expectedSeq = entry.seq + 1;
    prevHash = entry.hash;
  }
  return { ok: true, entries: count, headHash: prevHash };
}

function findProblem(
  entry: StoredEntry,
  expectedSeq: number,
  prevHash: string,
): { firstBadSeq: number; problem: string } | null {
  const who = `entry ${entry.entryId}`;
  if (entry.seq > expectedSeq) {
    return {
      firstBadSeq: expectedSeq,
      problem: `seq gap: seq ${expectedSeq} is missing, the next stored entry is seq ${entry.seq} (${entry.entryId}); entries were deleted or a forged entry was inserted`,
    };
  }
  if (entry.seq < expectedSeq) {
    return {
      firstBadSeq: entry.seq,
      problem: `seq ${entry.seq} (${entry.entryId}) appears after seq ${expectedSeq - 1}; entries were reordered or duplicated`,
    };
  }
  if (entry.defect) {
    return { firstBadSeq: entry.seq, problem: `${who}: ${entry.defect}; the entry was edited` };
  }
  if (entry.prevHash !== prevHash) {
    return {
      firstBadSeq: entry.seq,
      problem: `prev_hash mismatch at ${who}: it does not link to the hash of seq ${entry.seq - 1}; entries were reordered, inserted or deleted`,
    };
  }
  const recomputed = entryHash(prevHash, entry);
  if (recomputed !== entry.hash) {
    return {
      firstBadSeq: entry.seq,
      problem: `hash mismatch at ${who}: its contents no longer match its hash; the entry was edited`,
    };
  }
  return null;
}
