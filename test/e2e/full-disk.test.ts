import { execFile } from 'node:child_process';
import { mkdtemp, open, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../support/audit-at.js';
import { waitForHeadline } from '../support/channel-posts.js';
import { confirmOrder } from '../support/confirm-order.js';
import {
  type BotProcess,
  eventually,
  type ProcessStack,
  startProcessStack,
} from '../support/process-stack.js';
import { scrapeMetrics } from '../support/prometheus-text.js';
import { skipOutsideCi } from '../support/skip-outside-ci.js';
import { addEditingOrder, cancelsOf } from '../support/wdt-sandbox.js';

const run = promisify(execFile);
const SECOND = 1_000;
const CHUNK = Buffer.alloc(64 * 1024, 0x5a);

/** Mounts a small tmpfs of its own at a new directory; resolves with it, or with why it cannot. */
async function mountSmallDisk(): Promise<{ dir: string } | { reason: string }> {
  if (process.getuid?.() !== 0) return { reason: 'not root: mounting a tmpfs needs root' };
  const dir = await mkdtemp(join(tmpdir(), 'cancel-stockin-full-disk-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir]);
    return { dir };
  } catch (error) {
    await rmdir(dir);
    return { reason: `mount -t tmpfs failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Writes to `path` until the disk refuses (ENOSPC); resolves with the bytes written. */
async function fillDisk(path: string): Promise<number> {
  const file = await open(path, 'w');
  let written = 0;
  try {
    for (;;) {
      const { bytesWritten } = await file.write(CHUNK);
      written += bytesWritten;
      if (bytesWritten < CHUNK.length) break;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await file.close();
  }
  // The last few bytes a partial write may leave.
  const rest = await open(path, 'a');
  try {
    for (let size = 4096; size >= 1; size = Math.floor(size / 2)) {
      for (;;) {
        try {
          const { bytesWritten } = await rest.write(Buffer.alloc(size));
          written += bytesWritten;
          if (bytesWritten < size) break;
        } catch {
          break;
        }
      }
    }
  } finally {
    await rest.close();
  }
  return written;
}

const disk = await mountSmallDisk();
skipOutsideCi('reason' in disk ? disk.reason : null, 'full-disk');

async function readyz(bot: BotProcess): Promise<{ status: number; checks: Record<string, string> }> {
  const response = await fetch(new URL('/readyz', bot.url));
  const body = (await response.json()) as { checks?: Record<string, string> };
  return { status: response.status, checks: body.checks ?? {} };
}

const storeUp = async (bot: BotProcess) =>
  (await scrapeMetrics(new URL('/', bot.url).toString())).get('cancel_stockin_audit_store_up');

describe.skipIf('reason' in disk)('SQLite on a full disk', () => {
  const dir = 'dir' in disk ? disk.dir : '';
  let stack: ProcessStack;

  beforeAll(async () => {
    stack = await startProcessStack({ AUDIT_DB_PATH: join(dir, 'audit.db') });
  });
  afterAll(async () => {
    await stack?.stop();
    await run('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses clearly and sends nothing while the disk is full, and recovers without a restart once there is room', async () => {
    const bot = await stack.spawn();
    const order = addEditingOrder(stack.wdt, 'RK2006039921');
    expect((await readyz(bot)).status).toBe(200);
    // A dialog opened before the disk fills, confirmed after.
    await bot.driver.command(order);
    const view = await bot.driver.openedView();

    const filler = join(dir, 'filler');
    const filled = await fillDisk(filler);
    const filledAt = Date.now();
    console.info(`full disk: ${filled} bytes of filler on the 8 MiB tmpfs`);

    const notReady = await eventually(async () => {
      const answer = await readyz(bot);
      return answer.status === 503 && answer;
    }, 15 * SECOND);
    console.info(
      `full disk → /readyz 503 after ${Date.now() - filledAt} ms: ${JSON.stringify(notReady.checks)}`,
    );
    // The store itself is named, not only this process's lease (which a slow disk can also stop).
    expect.soft(notReady.checks.audit).not.toBe('ok');
    expect.soft(await storeUp(bot)).toBe(0);

    const fromIndex = stack.slack.calls.length;
    await bot.driver.submit(view, 'disk full');
    await stack.slack.waitFor(
      (call) =>
        call.method === 'views.update' &&
        call.args.view_id === view.id &&
        /cannot write its audit record.*nothing was cancelled/.test(JSON.stringify(call.args.view)),
      { fromIndex, timeoutMs: 15 * SECOND },
    );
    const commandFrom = stack.slack.calls.length;
    await bot.driver.command(order);
    const reply = await stack.slack.waitFor('response_url', {
      fromIndex: commandFrom,
      timeoutMs: 15 * SECOND,
    });
    expect(String(reply.args.text)).toMatch(/cannot write its audit record.*nothing was cancelled/);
    expect(cancelsOf(stack.wdt, order)).toEqual([]);

    await rm(filler);
    const freedAt = Date.now();
    await eventually(async () => (await readyz(bot)).status === 200, 20 * SECOND);
    console.info(`disk freed → /readyz 200 after ${Date.now() - freedAt} ms, same process`);
    await eventually(async () => (await storeUp(bot)) === 1, 15 * SECOND);
    await confirmOrder(bot, order, 'room again');
    await waitForHeadline(stack.slack, order, 'Cancelled');
    expect(cancelsOf(stack.wdt, order)).toHaveLength(1);
    expect(bot.child.exitCode).toBeNull();
    await readAudit({ sqlitePath: join(dir, 'audit.db') }, async (store) => {
      expect(await store.verifyChain()).toMatchObject({ ok: true });
      const history = await store.orderHistory(order);
      // The cancel that went through is the only attempt that reached `calling`.
      expect(history.filter((entry) => entry.event === 'calling')).toHaveLength(1);
    });
  }, 120_000);
});
