import { describe, expect, it } from 'vitest';
import {
  createSeals,
  DIALOG_SEAL_TTL_MS,
  openMetadata,
  sealMetadata,
} from '../../src/slack/private-metadata.js';

const attemptId = '01JDZ7W3Q4K5M6N7P8R9S0T1V2';
const now = new Date('2026-03-01T08:00:00Z');
const later = new Date(now.getTime() + 60_000);

describe('sealed private_metadata', () => {
  it('round-trips the attempt ids under the same key and purpose, before the expiry', () => {
    expect(
      openMetadata(
        'key-1',
        'confirm',
        sealMetadata('key-1', 'confirm', { attemptIds: [attemptId] }, later),
        now,
      ),
    ).toEqual({
      ok: true,
      attemptIds: [attemptId],
    });
  });

  it('seals the 20 attempt ids of a full batch within a button value (2000) and private_metadata (3000)', () => {
    const attemptIds = Array.from(
      { length: 20 },
      (_, i) => `01JDZ7W3Q4K5M6N7P8R9S0T1${String(i).padStart(2, '0')}`,
    );
    const sealed = sealMetadata('key-1', 'approval', { attemptIds }, later);
    expect(sealed.length).toBeLessThanOrEqual(2000);
    expect(openMetadata('key-1', 'approval', sealed, now)).toEqual({ ok: true, attemptIds });
  });

  it('refuses another key, a tampered body, a tampered mac, and junk', () => {
    const sealed = sealMetadata('key-1', 'confirm', { attemptIds: [attemptId] }, later);
    const [body, mac] = sealed.split('.') as [string, string];
    const forgedBody = Buffer.from(
      JSON.stringify({ v: 3, p: 'confirm', exp: later.getTime(), ids: ['01JDZ7W3Q4K5M6N7P8R9S0T1V3'] }),
    ).toString('base64url');
    const invalid = { ok: false, problem: 'invalid' };
    expect(openMetadata('key-2', 'confirm', sealed, now)).toEqual(invalid);
    expect(openMetadata('key-1', 'confirm', `${forgedBody}.${mac}`, now)).toEqual(invalid);
    expect(openMetadata('key-1', 'confirm', `${body}.${mac.slice(0, -2)}AA`, now)).toEqual(invalid);
    expect(openMetadata('key-1', 'confirm', `${sealed}.extra`, now)).toEqual(invalid);
    expect(openMetadata('key-1', 'confirm', '', now)).toEqual(invalid);
    expect(openMetadata('key-1', 'confirm', undefined, now)).toEqual(invalid);
    expect(openMetadata('key-1', 'confirm', 42, now)).toEqual(invalid);
  });

  it('refuses a seal made for another purpose (19.10)', () => {
    const approval = sealMetadata('key-1', 'approval', { attemptIds: [attemptId] }, later);
    expect(openMetadata('key-1', 'confirm', approval, now)).toEqual({ ok: false, problem: 'wrong_purpose' });
    expect(openMetadata('key-1', 'reject', approval, now)).toEqual({ ok: false, problem: 'wrong_purpose' });
    const confirm = sealMetadata('key-1', 'confirm', { attemptIds: [attemptId] }, later);
    expect(openMetadata('key-1', 'approval', confirm, now)).toEqual({ ok: false, problem: 'wrong_purpose' });
  });

  it('refuses a seal at and after its expiry (19.10)', () => {
    const sealed = sealMetadata('key-1', 'reject', { attemptIds: [attemptId] }, later);
    expect(openMetadata('key-1', 'reject', sealed, new Date(later.getTime() - 1)).ok).toBe(true);
    expect(openMetadata('key-1', 'reject', sealed, later)).toEqual({ ok: false, problem: 'expired' });
  });

  it('gives dialogs a day and approval buttons the approval time plus a margin, on the injected clock', () => {
    let at = now.getTime();
    const seals = createSeals({
      key: 'key-1',
      clock: { now: () => new Date(at) },
      approvalTtlMs: 30 * 60_000,
    });
    const dialog = seals.seal('confirm', { attemptIds: [attemptId] });
    const buttons = seals.seal('approval', { attemptIds: [attemptId] });
    at += 30 * 60_000 + 1;
    expect(seals.open('approval', buttons).ok).toBe(true);
    at = now.getTime() + 2 * 60 * 60_000;
    expect(seals.open('approval', buttons)).toEqual({ ok: false, problem: 'expired' });
    expect(seals.open('confirm', dialog).ok).toBe(true);
    at = now.getTime() + DIALOG_SEAL_TTL_MS;
    expect(seals.open('confirm', dialog)).toEqual({ ok: false, problem: 'expired' });
  });
});
