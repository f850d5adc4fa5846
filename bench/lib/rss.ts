import { readFileSync } from 'node:fs';

/** VmRSS and VmHWM (the kernel's own peak) of a live process, in MB; null once it has gone. */
export function readRss(pid: number): { rssMb: number; hwmMb: number } | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** Samples a process's RSS every `intervalMs` until stopped; `peakMb` also folds in VmHWM. */
export function sampleRss(pid: number, intervalMs = 100) {
  let peakMb = 0;
  const take = () => {
    const rss = readRss(pid);
    if (rss) peakMb = Math.max(peakMb, rss.rssMb, rss.hwmMb);
  };
  take();
  const timer = setInterval(take, intervalMs);
  timer.unref();
  return {
    get peakMb() {
      take();
      return peakMb;
    },
    stop() {
      take();
      clearInterval(timer);
      return peakMb;
    },
  };
}
