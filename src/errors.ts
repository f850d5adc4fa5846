/**
 * The error catalogue: every error the app raises on purpose has a code and a class here. Messages never
 * contain secrets; `cause` keeps the original for logs (which are redacted).
 */
export const ErrorCode = {
  AuditUnavailable: 'cancel_stockin_audit_unavailable',
  ShuttingDown: 'cancel_stockin_shutting_down',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class CancelStockinError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The audit store could not durably record: nothing may be cancelled until it can. */
export class AuditUnavailableError extends CancelStockinError {
  constructor(cause: unknown) {
    super(ErrorCode.AuditUnavailable, 'The audit store cannot record right now', { cause });
  }
}

export class ShuttingDownError extends CancelStockinError {
  constructor() {
    super(ErrorCode.ShuttingDown, 'The bot is restarting and takes no new cancels right now');
  }
}
