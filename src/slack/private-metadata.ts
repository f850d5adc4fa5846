import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../core/ports/clock.js';

/**
 * A view's private_metadata (and an approval button's value) round-trips through Slack; it carries only the
 * attempt ids of one batch, sealed with an HMAC so a tampered value is refused before anything is looked up.
 * The seal also names its purpose (a confirmation dialog's seal cannot drive an approval, nor the reverse)
 * and when it stops being accepted. Twenty ULIDs seal to about 950 characters, within Slack's 2000 (button)
 * and 3000 (metadata).
 */
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const MAX_IDS = 50;

export const SEAL_PURPOSES = ['confirm', 'approval', 'reject'] as const;
/** confirm: the confirmation dialog; approval: Approve / Reject buttons; reject: the reject dialog. */
export type SealPurpose = (typeof SEAL_PURPOSES)[number];

const metadataSchema = z.object({
  v: z.literal(3),
  p: z.enum(SEAL_PURPOSES),
  /** Expiry, epoch milliseconds. */
  exp: z.number().int().positive(),
  ids: z.array(z.string().regex(ULID)).min(1).max(MAX_IDS),
});

export interface ViewMetadata {
  attemptIds: string[];
}

export type SealProblem = 'invalid' | 'wrong_purpose' | 'expired';
export type OpenedSeal = { ok: true; attemptIds: string[] } | { ok: false; problem: SealProblem };

export function sealMetadata(key: string, purpose: SealPurpose, data: ViewMetadata, expiresAt: Date): string {
  const payload = { v: 3, p: purpose, exp: expiresAt.getTime(), ids: data.attemptIds };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(key, body)}`;
}

/** Opens a seal made with `key` for `purpose` that has not expired at `now`; anything else says why not. */
export function openMetadata(key: string, purpose: SealPurpose, sealed: unknown, now: Date): OpenedSeal {
  if (typeof sealed !== 'string') return { ok: false, problem: 'invalid' };
  const [body, signature, extra] = sealed.split('.');
  if (!body || !signature || extra !== undefined) return { ok: false, problem: 'invalid' };
  const expected = Buffer.from(mac(key, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, problem: 'invalid' };
  }
  let parsed: ReturnType<typeof metadataSchema.safeParse>;
  try {
    parsed = metadataSchema.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
  } catch {
    return { ok: false, problem: 'invalid' };
  }
  if (!parsed.success) return { ok: false, problem: 'invalid' };
  if (parsed.data.p !== purpose) return { ok: false, problem: 'wrong_purpose' };
  if (now.getTime() >= parsed.data.exp) return { ok: false, problem: 'expired' };
  return { ok: true, attemptIds: parsed.data.ids };
}

function mac(key: string, body: string): string {
  return createHmac('sha256', `view-metadata:${key}`).update(body).digest('base64url');
}

/**
 * How long a dialog's seal is accepted: Slack sets no documented lifetime on an open modal, and a day is more
 * than anyone keeps one open in a working session, while a seal copied out of a view goes stale by morning.
 */
export const DIALOG_SEAL_TTL_MS = 24 * 60 * 60_000;
/** Approval buttons outlive the request they serve by this much, so the request's own expiry speaks first. */
const APPROVAL_SEAL_MARGIN_MS = 60 * 60_000;

export interface Seals {
  seal(purpose: SealPurpose, data: ViewMetadata): string;
  open(purpose: SealPurpose, sealed: unknown): OpenedSeal;
}

/** Seals and opens with one key and clock; each purpose has its own lifetime. */
export function createSeals(options: { key: string; clock: Clock; approvalTtlMs: number }): Seals {
  const ttlMs: Record<SealPurpose, number> = {
    confirm: DIALOG_SEAL_TTL_MS,
    reject: DIALOG_SEAL_TTL_MS,
    approval: options.approvalTtlMs + APPROVAL_SEAL_MARGIN_MS,
  };
  return {
    seal(purpose, data) {
      const expiresAt = new Date(options.clock.now().getTime() + ttlMs[purpose]);
      return sealMetadata(options.key, purpose, data, expiresAt);
    },
    open(purpose, sealed) {
      return openMetadata(options.key, purpose, sealed, options.clock.now());
    },
  };
}
