/** A transport failure, told apart by whether the request can have reached WDT. */
export interface NetworkFailure {
  kind: 'not_sent' | 'unknown';
  reason: string;
}

/** Codes that mean no byte of the request left this process: WDT cannot have acted. */
const NOT_SENT: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EAI_FAIL: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host down',
  ENETDOWN: 'network down',
  EADDRNOTAVAIL: 'address not available',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_CLOSED: 'client already closed',
  UND_ERR_DESTROYED: 'client already closed',
  UND_ERR_INVALID_ARG: 'request rejected before sending',
};

/** Codes seen after the request was (or may have been) written: WDT may have acted. */
const SENT: Readonly<Record<string, string>> = {
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
  UND_ERR_BODY_TIMEOUT: 'response body stalled',
  UND_ERR_SOCKET: 'connection closed after the request was sent',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection broken while sending',
  ECONNABORTED: 'connection aborted',
  UND_ERR_ABORTED: 'request aborted',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'response shorter than announced',
};

/**
 * Turns an undici error into an outcome. The reason is built from the error's code or name only: undici
 * messages can contain the request URL, and the URL carries the sign.
 */
export function classifyNetworkError(error: unknown): NetworkFailure {
  const code = findCode(error);
  if (code && NOT_SENT[code]) return { kind: 'not_sent', reason: `${NOT_SENT[code]} (${code})` };
  if (code && SENT[code]) return { kind: 'unknown', reason: `${SENT[code]} (${code})` };
  if (code?.startsWith('HPE_')) return { kind: 'unknown', reason: `malformed HTTP response (${code})` };
  // Anything unrecognised may have happened after sending: never claim a call did not run.
  return { kind: 'unknown', reason: `network error (${code ?? safeName(error)})` };
}

function findCode(error: unknown, depth = 0): string | null {
  if (depth > 3 || typeof error !== 'object' || error === null) return null;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code)) return code;
  // Node's happy-eyeballs connect reports an AggregateError of per-address failures.
  const { errors, cause } = error as { errors?: unknown; cause?: unknown };
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = findCode(inner, depth + 1);
      if (found) return found;
    }
  }
  return findCode(cause, depth + 1);
}

function safeName(error: unknown): string {
  const name = error instanceof Error ? error.name : typeof error;
  return /^[A-Za-z]{1,40}$/.test(name) ? name : 'Error';
}
