import { capUtf8Bytes } from './cap-text.js';
import { RATE_LIMIT_MARKER } from './methods.js';

/** What one HTTP answer means in the qjb protocol, before durations and retries are added. */
export type VendorAnswer =
  | { kind: 'ok'; data: unknown }
  | { kind: 'refused'; status: number | null; code: string | null; message: string }
  | { kind: 'rate_limited'; message: string }
  | { kind: 'protocol_error'; httpStatus: number; reason: string };

export interface HttpAnswer {
  httpStatus: number;
  contentType: string | null;
  text: string;
}

/**
 * Classifies an answer. Reasons describe the shape of the answer only, never its text: a proxy's error page
 * can echo the request URL, and the URL carries the sign.
 */
export function classifyResponse(answer: HttpAnswer): VendorAnswer {
  const { httpStatus } = answer;
  const type = mediaType(answer.contentType);
  const size = Buffer.byteLength(answer.text, 'utf8');
  if (httpStatus < 200 || httpStatus > 299) {
    return { kind: 'protocol_error', httpStatus, reason: `HTTP ${httpStatus} (${type}, ${size} bytes)` };
  }
  const text = answer.text.replace(/^\uFEFF/, '').trim();
  if (text === '')
    return { kind: 'protocol_error', httpStatus, reason: `HTTP ${httpStatus} with an empty body` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      kind: 'protocol_error',
      httpStatus,
      reason: `HTTP ${httpStatus} with a body that is not JSON (${type}, ${size} bytes)`,
    };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return {
      kind: 'protocol_error',
      httpStatus,
      reason: `HTTP ${httpStatus} with JSON that is not an object`,
    };
  }
  const body = json as Record<string, unknown>;
  const status = readStatus(body.status);
  const code = readCode(body.code);
  if (status === null && code === null) {
    return {
      kind: 'protocol_error',
      httpStatus,
      reason: `HTTP ${httpStatus} with JSON that has neither status nor code`,
    };
  }
  if (status === 0) return { kind: 'ok', data: body.data ?? null };
  const message = readMessage(body);
  // The vendor guide: a missing status is an error too, so a code-only body is a refusal.
  if (status === 100 && message.includes(RATE_LIMIT_MARKER)) return { kind: 'rate_limited', message };
  return { kind: 'refused', status, code, message };
}

function readStatus(value: unknown): number | null {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return null;
}

function readCode(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value !== '') return capUtf8Bytes(value);
  return null;
}

/** WDT's message, cut to 1 KB of UTF-8: the body may be up to the 8 MB cap, the audit record must not be. */
function readMessage(body: Record<string, unknown>): string {
  const value = body.message ?? body.msg;
  if (typeof value === 'string') return capUtf8Bytes(value);
  if (value === undefined || value === null) return '';
  return capUtf8Bytes(JSON.stringify(value));
}

function mediaType(contentType: string | null): string {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(type) ? type : 'no content type';
}
