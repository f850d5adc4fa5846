/** Child process for the two-process test: appends N entries to the SQLite file given on the command line. */
import { setTimeout as sleep } from 'node:timers/promises';
import { openSqliteAuditStore } from '../../src/audit/sqlite-store.js';
import { buildRecord } from '../support/audit-fixtures.js';

const [path, count, tag, startAt] = process.argv.slice(2);
if (!path || !count || !tag || !startAt) throw new Error('usage: append-worker PATH COUNT TAG START_AT_MS');
const store = openSqliteAuditStore({ path });
await sleep(Math.max(0, Number(startAt) - Date.now()));
for (let i = 0; i < Number(count); i += 1) {
  await store.append(
    'requested',
    buildRecord({ attemptId: `${tag}-${i}`, requesterId: `U0${tag}` }),
    new Date(),
  );
  // Like the bot, which does other work between appends; a tight loop would hold the write lock back to back
  // and the other process, sleeping in SQLite's busy handler, would only get in once this one is done.
  await sleep(1);
}
await store.close();
