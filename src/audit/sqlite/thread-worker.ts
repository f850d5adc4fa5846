import { parentPort, workerData } from 'node:worker_threads';
import type { AuditEntry, EntryRange } from '../../core/ports/audit.js';
import { createLogger } from '../../logger.js';
import { sharedClock } from './shared-clock.js';
import { openSqliteAuditStore } from './store.js';
import {
  ENTRIES_PAGE_SIZE,
  type ThreadInit,
  type ThreadMethod,
  type ThreadRequest,
  type ThreadResponse,
} from './thread-protocol.js';

/**
 * Runs the SQLite audit store on its own thread: its fsyncs (synchronous=FULL) then block this thread, never
 * the event loop that acks Slack. Requests are served in arrival order. Writes that queued up while the last
 * fsync ran are committed together (group commit): one fsync for the lot, and no caller hears back before
 * the COMMIT that holds its write.
 */
const init = workerData as ThreadInit;
const clock = init.clock ? sharedClock(init.clock, init.clockKind) : undefined;
const store = openSqliteAuditStore({
  path: init.path,
  logger: createLogger({ level: init.logLevel }),
  ...(clock ? { now: clock.now } : {}),
});
const port = parentPort!;
const cursors = new Map<string, AsyncIterator<AuditEntry>>();
/**
 * Every method that writes. A conflict (`write` finding an attempt moved, a fence refused, a pause already
 * recorded, a claim found lost) is an answer like any other and commits with the group; only a throw undoes
 * its own savepoint.
 */
const GROUP_COMMITTED = new Set<ThreadMethod>([
  'write',
  'annotate',
  'fence',
  'recordControl',
  'renewLease',
  'dropLease',
  'claimDeliveries',
  'confirmClaim',
  'settleDelivery',
]);

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

function call(request: ThreadRequest): Promise<unknown> {
  if (request.method === 'entriesPage')
    return entriesPage(request.args[0] as string, request.args[1] as EntryRange | undefined);
  return (store[request.method] as (...args: unknown[]) => Promise<unknown>).apply(store, request.args);
}

function success(id: number, value: unknown): ThreadResponse {
  return { id, ok: true, value };
}

function failure(id: number, error: unknown): ThreadResponse {
  const failed = error instanceof Error ? error : new Error(String(error));
  return { id, ok: false, error: { name: failed.name, message: failed.message } };
}

async function serveOne(request: ThreadRequest): Promise<void> {
  try {
    port.postMessage(success(request.id, await call(request)));
  } catch (error) {
    port.postMessage(failure(request.id, error));
  }
  if (request.method === 'close') port.close();
}

/** The write methods are synchronous inside: each one's work is done when `call` returns its promise. */
async function serveGroup(requests: ThreadRequest[]): Promise<void> {
  let results: Array<PromiseSettledResult<unknown>>;
  try {
    const calls = store.groupCommit(() => requests.map(call));
    results = await Promise.allSettled(calls);
  } catch (commitError) {
    for (const request of requests) port.postMessage(failure(request.id, commitError));
    return;
  }
  for (const [index, request] of requests.entries()) {
    const result = results[index]!;
    port.postMessage(
      result.status === 'fulfilled' ? success(request.id, result.value) : failure(request.id, result.reason),
    );
  }
}

const waiting: ThreadRequest[] = [];
let draining = false;

async function drain(): Promise<void> {
  while (waiting.length > 0) {
    let writes = 0;
    while (writes < waiting.length && GROUP_COMMITTED.has(waiting[writes]!.method)) writes++;
    if (writes > 0) await serveGroup(waiting.splice(0, writes));
    else await serveOne(waiting.shift()!);
    // Let the messages that arrived meanwhile in, so they can share the next commit.
    await new Promise((resolve) => setImmediate(resolve));
  }
  draining = false;
}

port.on('message', (request: ThreadRequest) => {
  waiting.push(request);
  if (draining) return;
  draining = true;
  setImmediate(() => void drain());
});
