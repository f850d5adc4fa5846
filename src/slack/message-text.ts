/**
 * Every piece of text a message carries: its `text` and the text inside its blocks (sections, fields, context,
 * rich text), in order. Slack nests rich text a few levels deep; the walk is bounded so a crafted message
 * cannot make it run long.
 */
const MAX_DEPTH = 8;
const MAX_PIECES = 2_000;

export function messageTexts(message: { text?: unknown; blocks?: unknown }): string[] {
  const pieces: string[] = [];
  if (typeof message.text === 'string') pieces.push(message.text);
  collect(message.blocks, 0, pieces);
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
