/**
 * Slack's own escaping for user text in mrkdwn: with `&`, `<` and `>` escaped, `<!channel>`, `<@U…>` and
 * `<https://x|click>` show as typed and cannot ping or forge links.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** User text shown verbatim: escaped, with backticks neutralised so it cannot close the code span. */
export function quoteUserText(text: string): string {
  return escapeMrkdwn(text).replace(/`/g, 'ˋ');
}

export function mentionUser(userId: string): string {
  return /^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId);
}

export function mentionChannel(channelId: string): string {
  return /^[CGD][A-Z0-9]+$/.test(channelId) ? `<#${channelId}>` : escapeMrkdwn(channelId);
}
