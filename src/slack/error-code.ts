/** A Slack Web API failure as a short code for people and logs (`not_in_channel`, `http_500`), never a token. */
export function slackErrorCode(error: unknown): string {
  if (error && typeof error === 'object') {
    const data = (error as { data?: { error?: unknown } }).data;
    if (data && typeof data.error === 'string') return data.error.slice(0, 80);
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number') return `http_${status}`;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code.slice(0, 80);
  }
  return 'unknown_error';
}
