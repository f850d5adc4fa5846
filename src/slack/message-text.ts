/**
 * Every piece of text a message carries: its `text`, the text inside its blocks (sections, fields, context,
 * rich text), and its legacy attachments, in that order. Alerting integrations and incoming webhooks still post
 * attachments, where an order number may live only in `pretext`, `title`, `text`, `fallback` or a field's
 * `value`. Slack nests rich text a few levels deep; the walk is bounded so a crafted message cannot make it run
 * long.
 */
const MAX_DEPTH = 8;
const MAX_PIECES = 2_000;
/** Shown text of a legacy attachment; `footer`, `author_name` and action values name no order. */
const ATTACHMENT_TEXTS = ['pretext', 'title', 'text', 'fallback'] as const;

export function messageTexts(message: { text?: unknown; blocks?: unknown; attachments?: unknown }): string[] {
  const pieces: string[] = [];
  if (typeof message.text === 'string') pieces.push(message.text);
  collect(message.blocks, 0, pieces);
  if (Array.isArray(message.attachments))
    for (const attachment of message.attachments) collectAttachment(attachment, pieces);
  return pieces;
}

function collect(node: unknown, depth: number, into: string[]): void {
  if (depth > MAX_DEPTH || into.length >= MAX_PIECES || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const child of node) collect(child, depth + 1, into);
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === 'text' && typeof value === 'string') into.push(value);
    else collect(value, depth + 1, into);
  }
}

function collectAttachment(attachment: unknown, into: string[]): void {
  if (into.length >= MAX_PIECES || attachment === null || typeof attachment !== 'object') return;
  const fields = attachment as Record<string, unknown>;
  for (const name of ATTACHMENT_TEXTS) {
    const value = fields[name];
    if (typeof value === 'string' && into.length < MAX_PIECES) into.push(value);
  }
  if (Array.isArray(fields.fields)) {
    for (const field of fields.fields) {
      const value = field !== null && typeof field === 'object' ? (field as { value?: unknown }).value : null;
      if (typeof value === 'string' && into.length < MAX_PIECES) into.push(value);
    }
  }
  // An attachment may carry blocks of its own: the same walk, one level down.
  collect(fields.blocks, 1, into);
}
