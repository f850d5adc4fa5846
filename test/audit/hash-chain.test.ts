import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/audit/canonical-json.js';
import {
  entryHash,
  entryHashOverRecordJson,
  GENESIS_HASH,
  type StoredEntry,
  verifyEntries,
} from '../../src/audit/hash-chain.js';
import { buildRecord } from '../support/audit-fixtures.js';

function chain(length: number): StoredEntry[] {
  const entries: StoredEntry[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq += 1) {
    const unhashed = {
      seq,
      entryId: `E${seq}`,
      event: 'requested',
      at: '2024-05-01T04:00:00.000Z',
      record: buildRecord(),
      prevHash,
    };
    const hash = entryHash(prevHash, unhashed);
    entries.push({ ...unhashed, hash });
    prevHash = hash;
  }
  return entries;
}

describe('entryHash', () => {
  it('is sha256 hex over prevHash and the canonical JSON of the hashed fields', () => {
    const entry = {
      seq: 1,
      entryId: 'E1',
      event: 'requested',
      at: '2024-05-01T04:00:00.000Z',
      record: { b: 2, a: 1 },
      prevHash: GENESIS_HASH,
    };
    // Pinned (checked with `sha256sum`) so a change that would orphan every stored chain cannot go unnoticed.
    expect(entryHash(GENESIS_HASH, entry)).toBe(
      '5b7cd50ddb31b06b7fb64e42f6a30e2ea34abed1c3f50acd6cca9ffc7cdb037b',
    );
  });
});

describe('verifyEntries', () => {
  it('accepts an intact chain and an empty one', async () => {
    const entries = chain(4);
    expect(await verifyEntries(entries)).toEqual({ ok: true, entries: 4, headHash: entries[3]?.hash });
    expect(await verifyEntries([])).toEqual({ ok: true, entries: 0, headHash: GENESIS_HASH });
  });

  it('names an edited entry', async () => {
    const entries = chain(4);
    entries[1] = { ...entries[1]!, at: '2024-05-01T05:00:00.000Z' };
    expect(await verifyEntries(entries)).toMatchObject({
      ok: false,
      entries: 1,
      firstBadSeq: 2,
      problem: expect.stringMatching(/hash mismatch at entry E2/),
    });
  });

  it('names the missing seq of a deleted entry', async () => {
    const entries = chain(4);
    entries.splice(1, 1);
    expect(await verifyEntries(entries)).toMatchObject({
      ok: false,
      firstBadSeq: 2,
      problem: expect.stringMatching(/seq 2 is missing/),
    });
  });

  it('names a reordered entry', async () => {
    const [a, b, c] = chain(3);
    expect(await verifyEntries([a!, { ...c!, seq: 2 }, { ...b!, seq: 3 }])).toMatchObject({
      ok: false,
      firstBadSeq: 2,
      problem: expect.stringMatching(/prev_hash mismatch/),
    });
    expect(await verifyEntries([a!, c!, b!])).toMatchObject({
      ok: false,
      firstBadSeq: 2,
      problem: expect.stringMatching(/seq gap/),
    });
  });

  it('reports a defect found while reading a row', async () => {
    const entries = chain(2);
    entries[1] = { ...entries[1]!, defect: 'record_json is not valid JSON' };
    expect(await verifyEntries(entries)).toMatchObject({
      ok: false,
      firstBadSeq: 2,
      problem: expect.stringMatching(/E2: record_json is not valid JSON; the entry was edited/),
    });
  });
});

describe('entryHashOverRecordJson', () => {
  it('hashes exactly the canonical JSON of the hashed fields', () => {
    const fields = {
      seq: 7,
      entryId: '01E',
      event: 'notified',
      at: '2024-05-01T04:00:00.000Z',
      prevHash: 'ab'.repeat(32),
    };
    const record = buildRecord({ reason: '重复 "入库"' });
    const expected = createHash('sha256')
      .update(fields.prevHash + canonicalJson({ ...fields, record }))
      .digest('hex');
    expect(entryHashOverRecordJson(fields.prevHash, fields, canonicalJson(record))).toBe(expected);
    expect(entryHash(fields.prevHash, { ...fields, record })).toBe(expected);
  });
});
