/**
 * Child process for the two-process test: opens the SQLite file given on the command line, says `ready` to
 * its parent, waits for `go`, then writes N new attempts. The parent sends `go` once both children are ready, so
 * their appends overlap however long each took to start.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSqliteAuditStore } from '../../../src/audit/sqlite/store.js';
import { buildRecord } from '../../support/audit-fixtures.js';

const [path, count, tag] = process.argv.slice(2);
if (!path || !count || !tag || !process.send) {
  throw new Error('usage: append-worker PATH COUNT TAG (spawned with an IPC channel)');
}
const store = openSqliteAuditStore({ path });
const go = once(process, 'message');
process.send('ready');
await go;
for (let i = 0; i < Number(count); i += 1) {
  const written = await store.write(
    [{ from: null, record: buildRecord({ attemptId: `${tag}-${i}`, requesterId: `U0${tag}` }) }],
    new Date(),
  );
  if (!written.ok) throw new Error(`append-worker: ${written.conflict.kind}`);
  // Like the bot, which does other work between appends; a tight loop would hold the write lock back to back
  // and the other process, sleeping in SQLite's busy handler, would only get in once this one is done.
  await sleep(1);
}
await store.close();
process.disconnect();
