import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Witness } from './witness.js';
import { witnessesFromLog, witnessesFromSlackExport } from './witness-sources.js';

export interface WitnessFiles {
  slack: readonly string[];
  log: readonly string[];
}

/** Thrown for a file that cannot be read or holds no witness: almost always the wrong file. */
export class WitnessFileError extends Error {}

/** Reads every witness file; resolves with the witnesses and one line per file saying what it held. */
export async function loadWitnessFiles(
  files: WitnessFiles,
  cwd: string,
): Promise<{ witnesses: Witness[]; lines: string[] }> {
  const sources = [
    ...files.slack.map((file) => ({ file, kind: 'Slack export', parse: witnessesFromSlackExport })),
    ...files.log.map((file) => ({ file, kind: 'log', parse: witnessesFromLog })),
  ];
  const witnesses: Witness[] = [];
  const lines: string[] = [];
  for (const { file, kind, parse } of sources) {
    const path = resolve(cwd, file);
    let content: string;
    try {
      content = await readFile(path, 'utf8');
    } catch (error) {
      throw new WitnessFileError(`cannot read ${kind} ${path}: ${(error as Error).message}`);
    }
    const found = parse(content);
    const newest = found.at(-1);
    if (!newest) {
      throw new WitnessFileError(
        kind === 'log'
          ? `no witness in log ${path}: it holds no 'audit entry committed' line with audit.seq and audit.hash`
          : `no witness in Slack export ${path}: no message holds a chain head (entry #SEQ and a 64-hex-digit hash)`,
      );
    }
    witnesses.push(...found);
    lines.push(`${kind} ${path}: ${found.length} witnesses, the newest #${newest.seq}`);
  }
  return { witnesses, lines };
}
