import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * A view's private_metadata (and an approval button's value) round-trips through Slack; it carries only the
 * attempt ids of one batch, sealed with an HMAC so a tampered value is refused before anything is looked up.
 * Twenty ULIDs seal to about 900 characters, well within Slack's 2000 (button) and 3000 (metadata).
 */
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const MAX_IDS = 50;
const metadataSchema = z.object({
  v: z.literal(2),
  ids: z.array(z.string().regex(ULID)).min(1).max(MAX_IDS),
});

export interface ViewMetadata {
  attemptIds: string[];
}

export function sealMetadata(key: string, data: ViewMetadata): string {
  const body = Buffer.from(JSON.stringify({ v: 2, ids: data.attemptIds })).toString('base64url');
  return `${body}.${mac(key, body)}`;
}

export function openMetadata(key: string, sealed: unknown): ViewMetadata | null {
  if (typeof sealed !== 'string') return null;
  const [body, signature, extra] = sealed.split('.');
  if (!body || !signature || extra !== undefined) return null;
  const expected = Buffer.from(mac(key, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const parsed = metadataSchema.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    return parsed.success ? { attemptIds: parsed.data.ids } : null;
  } catch {
    return null;
  }
}

function mac(key: string, body: string): string {
  return createHmac('sha256', `view-metadata:${key}`).update(body).digest('base64url');
}
