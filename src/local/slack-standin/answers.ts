/** A Web API answer as Slack writes it: `ok`, and on failure an `error` code. */
export interface SlackAnswer {
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

export type CallArgs = Readonly<Record<string, unknown>>;

export function fail(error: string, messages?: string[]): SlackAnswer {
  return messages === undefined
    ? { ok: false, error }
    : { ok: false, error, response_metadata: { messages } };
}

export function missing(field: string): SlackAnswer {
  return fail('invalid_arguments', [`[ERROR] missing required field: ${field}`]);
}

export function stringArg(args: CallArgs, key: string): string | undefined {
  const value = args[key];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
