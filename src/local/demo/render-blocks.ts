interface RenderableBlock {
  text?: { text?: string };
  fields?: { text: string }[];
  elements?: { text?: string }[];
}

/** Renders Block Kit roughly as Slack shows it, for a terminal: sections, fields, context, headers. */
export function renderBlocks(blocks: unknown): string {
  if (!Array.isArray(blocks)) return '';
  const lines: string[] = [];
  for (const block of blocks as RenderableBlock[]) {
    if (block.text?.text) lines.push(unescapeMrkdwn(block.text.text));
    for (const field of block.fields ?? [])
      lines.push(`  ${unescapeMrkdwn(field.text).replace(/\n/g, ': ')}`);
    for (const element of block.elements ?? [])
      if (element.text) lines.push(`  (${unescapeMrkdwn(element.text)})`);
  }
  return lines.map((line) => `│ ${line.replace(/\n/g, '\n│ ')}`).join('\n');
}

function unescapeMrkdwn(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
