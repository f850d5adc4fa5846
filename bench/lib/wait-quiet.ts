import { setTimeout as sleep } from 'node:timers/promises';
import { cpuPressureAvg10 } from './machine.js';

/**
 * `--wait-quiet <seconds>`: on a shared machine, wait (up to that long) until Linux reports little CPU
 * pressure from other work, so the run measures this code rather than its neighbours.
 */
export async function waitForQuiet(args: readonly string[], log: (line: string) => void): Promise<void> {
  const index = args.indexOf('--wait-quiet');
  if (index < 0) return;
  const limitMs = Number(args[index + 1] ?? 300) * 1000;
  const deadline = Date.now() + limitMs;
  for (;;) {
    const pressure = cpuPressureAvg10();
    if (pressure === null || pressure < 10) return;
    if (Date.now() > deadline) {
      log(`machine still busy (CPU pressure avg10 ${pressure}%); running anyway`);
      return;
    }
    log(`waiting for a quieter machine (CPU pressure avg10 ${pressure}%)…`);
    await sleep(5_000);
  }
}
