import type { AuditStore } from '../../core/ports/audit.js';

/** The store methods the thread serves (every one but the streaming `entries`, which is paged). */
export type ThreadMethod = Exclude<keyof AuditStore, 'backend' | 'entries'> | 'entriesPage';

export interface ThreadRequest {
  id: number;
  method: ThreadMethod;
  args: unknown[];
}

export type ThreadResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string } };

export interface ThreadInit {
  path: string;
  logLevel: string;
}

export const ENTRIES_PAGE_SIZE = 500;
