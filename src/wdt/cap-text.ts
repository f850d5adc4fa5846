/** The most of WDT's own text (a refusal's message or code) the bot keeps: in the audit record, logs and Slack. */
export const WDT_TEXT_MAX_BYTES = 1024;
const CUT_MARK = '…';

/**
 * `text` cut to at most `maxBytes` bytes of UTF-8, mark included, at a character boundary: what is kept is
 * valid UTF-8 and a prefix of the original. A body may be megabytes long; a person needs the first lines.
 */
export function capUtf8Bytes(text: string, maxBytes = WDT_TEXT_MAX_BYTES): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(CUT_MARK, 'utf8');
  let used = 0;
  let kept = '';
  for (const character of text) {
    const size = Buffer.byteLength(character, 'utf8');
    if (used + size > budget) break;
    used += size;
    kept += character;
  }
  return kept + CUT_MARK;
}
