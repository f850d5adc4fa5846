/** Renders Block Kit roughly as Slack shows it, for a terminal: sections, fields, context, headers. */
export function renderBlocks(blocks: unknown): string {
  if (!Array.isArray(blocks)) return '';
  const lines: string[] = [];
  for (const block of blocks as Array<Record<string, any>>) {
    if (block.text?.text) lines.push(unescape(block.text.text));
    for (const field of block.fields ?? []) lines.push(`  ${unescape(field.text).replace(/\n/g, ': ')}`);
    for (const element of block.elements ?? []) if (element.text) lines.push(`  (${unescape(element.text)})`);
  }
  return lines.map((line) => `│ ${line.replace(/\n/g, '\n│ ')}`).join('\n');
}

function unescape(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
