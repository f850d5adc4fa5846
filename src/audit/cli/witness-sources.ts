import type { Witness } from './witness.js';

/**
 * A chain head as the bot writes it in Slack, in either language: `entry #1234 \`<hash>\`` or
 * `第 1234 条 \`<hash>\``. Slack's export keeps the backticks; it escapes only & < >, which a head never holds.
 */
const HEAD_IN_TEXT = /(?:#|第\s*)(\d{1,15})\s*(?:条\s*)?`?([0-9a-f]{64})(?![0-9a-f])/gi;

/**
 * Heads found in exported Slack messages: a channel's day file from a workspace export (a JSON array of
 * messages), a `conversations.history` answer (`{ messages: [...] }`), or one message per line. Every string
 * in a message is searched (`text`, `blocks`, `attachments`), so a head in a footer block is found too.
 */
export function witnessesFromSlackExport(content: string): Witness[] {
  return dedupe(messagesIn(content).flatMap((message) => stringsIn(message).flatMap(headsInText)));
}

/** Heads from the bot's own log: every `audit entry committed` line carries `audit.seq` and `audit.hash`. */
export function witnessesFromLog(content: string): Witness[] {
  const found: Witness[] = [];
  for (const line of content.split('\n')) {
    // A log shipper may put its own prefix (a timestamp, a container name) before pino's JSON.
    const start = line.indexOf('{');
    if (start < 0 || !line.includes('audit entry committed')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.slice(start));
    } catch {
      continue;
    }
    const witness = committedEntryWitness(parsed);
    if (witness) found.push(witness);
  }
  return dedupe(found);
}

function committedEntryWitness(line: unknown): Witness | null {
  if (!isObject(line) || line.msg !== 'audit entry committed' || !isObject(line.audit)) return null;
  const { seq, hash } = line.audit;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return null;
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/i.test(hash)) return null;
  return { seq, hash: hash.toLowerCase() };
}

function messagesIn(content: string): unknown[] {
  const trimmed = content.trim();
  if (trimmed === '') return [];
  try {
    const whole: unknown = JSON.parse(trimmed);
    if (Array.isArray(whole)) return whole;
    if (isObject(whole) && Array.isArray(whole.messages)) return whole.messages;
    return [whole];
  } catch {
    return trimmed.split('\n').flatMap((line) => {
      try {
        return [JSON.parse(line) as unknown];
      } catch {
        return [];
      }
    });
  }
}

function headsInText(text: string): Witness[] {
  return [...text.matchAll(HEAD_IN_TEXT)].flatMap((match) => {
    const seq = Number(match[1]);
    return Number.isSafeInteger(seq) && seq >= 1 ? [{ seq, hash: match[2]!.toLowerCase() }] : [];
  });
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (isObject(value)) return Object.values(value).flatMap(stringsIn);
  return [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dedupe(witnesses: Witness[]): Witness[] {
  const seen = new Map<string, Witness>();
  for (const witness of witnesses) seen.set(`${witness.seq}:${witness.hash}`, witness);
  return [...seen.values()].sort((a, b) => a.seq - b.seq);
}
