import { parentPort, workerData } from 'node:worker_threads';
import type { AuditEntry, EntryRange } from '../../core/ports/audit.js';
import { createLogger } from '../../logger.js';
import { openSqliteAuditStore } from '../sqlite-store.js';
import { ENTRIES_PAGE_SIZE, type ThreadInit, type ThreadRequest, type ThreadResponse } from './protocol.js';

/**
 * Runs the SQLite audit store on its own thread: its fsyncs (synchronous=FULL) then block this thread, never
 * the event loop that acks Slack. Requests are served one at a time, in arrival order.
 */
const init = workerData as ThreadInit;
const store = openSqliteAuditStore({ path: init.path, logger: createLogger({ level: init.logLevel }) });
const port = parentPort!;
const cursors = new Map<string, AsyncIterator<AuditEntry>>();

async function entriesPage(cursorId: string, range: EntryRange | undefined): Promise<AuditEntry[]> {
  let cursor = cursors.get(cursorId);
  if (!cursor) {
    cursor = store.entries(range)[Symbol.asyncIterator]();
    cursors.set(cursorId, cursor);
  }
  const page: AuditEntry[] = [];
  while (page.length < ENTRIES_PAGE_SIZE) {
    const next = await cursor.next();
    if (next.done) {
      cursors.delete(cursorId);
      break;
    }
    page.push(next.value);
  }
  return page;
}

let queue: Promise<unknown> = Promise.resolve();
port.on('message', (request: ThreadRequest) => {
  queue = queue.then(async () => {
    let response: ThreadResponse;
    try {
      const value =
        request.method === 'entriesPage'
          ? await entriesPage(request.args[0] as string, request.args[1] as EntryRange | undefined)
          : await (store[request.method] as (...args: unknown[]) => Promise<unknown>).apply(
              store,
              request.args,
            );
      response = { id: request.id, ok: true, value };
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      response = { id: request.id, ok: false, error: { name: failure.name, message: failure.message } };
    }
    port.postMessage(response);
    if (request.method === 'close') port.close();
  });
});
