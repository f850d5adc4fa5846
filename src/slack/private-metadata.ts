import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * A view's private_metadata round-trips through Slack; it carries only the attempt id, sealed with an HMAC
 * so a tampered value is refused before anything is looked up.
 */
const metadataSchema = z.object({ v: z.literal(1), attemptId: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/) });
export type ViewMetadata = Omit<z.infer<typeof metadataSchema>, 'v'>;

export function sealMetadata(key: string, data: ViewMetadata): string {
  const body = Buffer.from(JSON.stringify({ v: 1, ...data })).toString('base64url');
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
    return parsed.success ? { attemptId: parsed.data.attemptId } : null;
  } catch {
    return null;
  }
}

function mac(key: string, body: string): string {
  return createHmac('sha256', `view-metadata:${key}`).update(body).digest('base64url');
}
