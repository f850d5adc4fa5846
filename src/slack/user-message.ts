import { AuditUnavailableError, ShuttingDownError } from '../errors.js';
import type { Texts } from './texts/index.js';

/** What a person is told when their request failed with `error`: never the error's own text. */
export function userMessageFor(error: unknown, texts: Texts): string {
  if (error instanceof AuditUnavailableError) return texts.auditUnavailable;
  if (error instanceof ShuttingDownError) return texts.shuttingDown;
  return texts.unexpected;
}
