import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** How the stand-in reads a Web API request and writes its answer, as Slack's servers do. */

export type SlackTokenType = 'bot' | 'user' | 'app' | 'unknown';

const JSON_FIELDS = new Set(['view', 'blocks', 'attachments', 'metadata', 'outputs']);
const MAX_BODY_BYTES = 1024 * 1024;

export function tokenTypeOf(token: string): SlackTokenType {
  if (token.startsWith('xoxb-')) return 'bot';
  if (token.startsWith('xoxp-')) return 'user';
  if (token.startsWith('xapp-')) return 'app';
  return 'unknown';
}

export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function decodeFormField(key: string, value: string): unknown {
  if (!JSON_FIELDS.has(key)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

type ParsedRequest =
  | { ok: true; args: Record<string, unknown>; bodyToken: string | undefined }
  | { ok: false; error: string };

/** Reads a Web API request the ways Slack accepts one: query string, form body, or JSON body. */
export function parseApiRequest(url: URL, contentType: string, body: string): ParsedRequest {
  const args: Record<string, unknown> = {};
  for (const [key, value] of url.searchParams) args[key] = decodeFormField(key, value);
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (body !== '' && mediaType === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { ok: false, error: 'invalid_json' };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return { ok: false, error: 'invalid_json' };
    Object.assign(args, parsed);
    // Slack ignores a token inside a JSON body: JSON posts must authenticate with the Authorization header.
    delete args.token;
    return { ok: true, args, bodyToken: undefined };
  }
  if (body !== '' && mediaType !== 'application/x-www-form-urlencoded')
    return { ok: false, error: 'invalid_form_data' };
  for (const [key, value] of new URLSearchParams(body)) args[key] = decodeFormField(key, value);
  const bodyToken = typeof args.token === 'string' && args.token !== '' ? args.token : undefined;
  delete args.token;
  return { ok: true, args, bodyToken };
}

export function bearerToken(request: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}
