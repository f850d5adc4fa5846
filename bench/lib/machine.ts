import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { REPO_ROOT } from './node-process.js';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  node: string;
  os: string;
  memoryGb: number;
  /** Other work on the machine shows here: the numbers are only as quiet as the machine was. */
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
  cpuPressureAvg10AtStart: number | null;
  cpuPressureAvg10AtEnd?: number | null;
}

export interface SourceInfo {
  commit: string;
  /** Files under src/ that differ from the commit when the bench ran. */
  srcChanges: number;
  /** Files under bench/ (kept results aside) that differ from it: the judging itself may have changed. */
  benchChanges: number;
}

/** CPU pressure (share of the last 10 s some task waited for a CPU), from Linux PSI; null elsewhere. */
export function cpuPressureAvg10(): number | null {
  try {
    const some = readFileSync('/proc/pressure/cpu', 'utf8').split('\n')[0] ?? '';
    const value = /avg10=([0-9.]+)/.exec(some)?.[1];
    return value === undefined ? null : Number(value);
  } catch {
    return null;
  }
}

export function loadAverage(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100);
}

/** Which code was measured. */
export function sourceInfo(): SourceInfo {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const changed = (...paths: string[]) => {
    const lines = git('status', '--porcelain', '--', ...paths);
    return lines === '' ? 0 : lines.split('\n').length;
  };
  return {
    commit: git('rev-parse', 'HEAD') || 'unknown',
    srcChanges: changed('src'),
    benchChanges: changed('bench', ':!bench/results'),
  };
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model ?? 'unknown',
    cores: list.length,
    node: process.version,
    os: `${platform()} ${release()}`,
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    loadAverageAtStart: loadAverage(),
    cpuPressureAvg10AtStart: cpuPressureAvg10(),
  };
}
