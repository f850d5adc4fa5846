import { readFileSync } from 'node:fs';

/** Linux reports utime and stime in clock ticks of 10 ms (USER_HZ 100 on every mainstream build). */
const MS_PER_TICK = 10;

/** CPU time a process has used so far, in ms: all its threads, and its main thread alone. */
export interface CpuTime {
  allMs: number;
  mainMs: number;
}

/** utime + stime from a `/proc/…/stat` line; the command name in brackets may hold spaces. */
function statCpuMs(path: string): number {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}

/**
 * Read from `/proc`, so the bot and the floors are measured alike from outside, without a hook in either.
 * `/proc/<pid>/stat` counts every thread the process ever ran (the audit thread, V8's GC helpers, libuv's
 * pool); `/proc/<pid>/task/<pid>/stat` only the thread that runs JavaScript and acks.
 */
export function readCpuTime(pid: number): CpuTime {
  return { allMs: statCpuMs(`/proc/${pid}/stat`), mainMs: statCpuMs(`/proc/${pid}/task/${pid}/stat`) };
}

/** CPU used since `before`, per operation: all threads and main thread, in ms per operation. */
export function cpuPerOperation(before: CpuTime, after: CpuTime, operations: number): CpuTime {
  if (operations <= 0) return { allMs: Number.NaN, mainMs: Number.NaN };
  return {
    allMs: (after.allMs - before.allMs) / operations,
    mainMs: (after.mainMs - before.mainMs) / operations,
  };
}
