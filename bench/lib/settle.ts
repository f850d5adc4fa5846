import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchServices } from './services.js';

/**
 * Waits until neither stand-in has seen a call for `quietMs` (or `timeoutMs` has passed): the work a run
 * started in the bot (dialog updates, outcome posts, their audit writes) has then run its course, and a CPU
 * reading taken now covers all of it. Observed from outside, so it holds whatever the bot does inside.
 */
export async function settleStandins(
  services: BenchServices,
  quietMs = 250,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const seen = () => services.slack.calls.length + services.wdt.calls.length;
  let last = seen();
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(25);
    const now = seen();
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) {
      return;
    }
  }
}
