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
  /** A `SharedClock`'s buffer: the store's clock when a test or the simulation sets it; else the system's. */
  clock?: SharedArrayBuffer;
  clockKind?: 'fixed' | 'offset';
}

export const ENTRIES_PAGE_SIZE = 500;
