import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AuditStore, EntryRange } from '../../core/ports/audit.js';
import { canonicalJson } from '../canonical-json.js';
import { CSV_HEADER, entryToCsvLine, UTF8_BOM } from './csv.js';

export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

/**
 * Streams entries in chain order to `destination` and resolves with how many were written. JSONL lines are
 * the canonical JSON of each entry, so anyone can recompute sha256(prevHash + canonical fields) from them.
 */
export async function exportEntries(
  store: AuditStore,
  options: { format: ExportFormat; range: EntryRange; destination: Writable; end: boolean },
): Promise<number> {
  let count = 0;
  async function* lines(): AsyncGenerator<string> {
    if (options.format === 'csv') yield UTF8_BOM + CSV_HEADER;
    for await (const entry of store.entries(options.range)) {
      count += 1;
      yield options.format === 'csv' ? entryToCsvLine(entry) : `${canonicalJson(entry)}\n`;
    }
  }
  await pipeline(Readable.from(lines()), options.destination, { end: options.end });
  return count;
}
