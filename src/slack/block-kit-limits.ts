/** Slack's published Block Kit limits that this app's views come near. */
export const LIMITS = {
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  sectionText: 3000,
  fieldText: 2000,
  fields: 10,
  contextElementText: 2000,
  headerText: 150,
  modalBlocks: 100,
  messageBlocks: 50,
  messageText: 40000,
  plainTextInput: 3000,
} as const;

/** Cuts `text` to at most `max` characters (by code point), marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, max - 1).join('')}…`;
}
