import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_HEADER, entryToCsvLine } from '../../src/audit/cli/csv.js';
import { buildEntry } from '../../src/audit/entry-row.js';
import { GENESIS_HASH } from '../../src/audit/hash-chain.js';
import type { AttemptRecord } from '../../src/core/ports/audit.js';
import { buildRecord } from '../support/audit-fixtures.js';

/**
 * Splits CSV text into records the way Excel does with the given list separator: a quote opens a quoted field
 * only as the field's first character; inside it `""` is a quote and a lone `"` closes it, after which any
 * characters up to the next separator are kept literally; elsewhere quotes are ordinary characters and a line
 * break ends the record.
 */
function readLikeExcel(text: string, separator: ',' | ';'): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let atFieldStart = true;
  let quoted = false;
  const endCell = () => {
    record.push(cell);
    cell = '';
    atFieldStart = true;
  };
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cell += ch;
      continue;
    }
    if (atFieldStart && ch === '"') {
      quoted = true;
      atFieldStart = false;
    } else if (ch === separator) endCell();
    else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
      endCell();
      records.push(record);
      record = [];
    } else {
      cell += ch;
      atFieldStart = false;
    }
  }
  if (cell !== '' || record.length > 0) {
    endCell();
    records.push(record);
  }
  return records;
}

const FORMULA_START = /^[=+\-@\t\r]/;

function formulaCells(csv: string): string[] {
  return ([',', ';'] as const)
    .flatMap((separator) => readLikeExcel(csv, separator).flat())
    .filter((cell) => FORMULA_START.test(cell));
}

function csvFor(overrides: Partial<AttemptRecord>): string {
  const record = buildRecord(overrides);
  const { entry } = buildEntry(
    { seq: 0, hash: GENESIS_HASH },
    '01TESTENTRY',
    record.state,
    record,
    new Date(0),
  );
  return CSV_HEADER + entryToCsvLine(entry);
}

describe('CSV export read by a spreadsheet', () => {
  it('the reader itself finds formula cells in an unguarded line, in both readings', () => {
    expect(readLikeExcel('1,"x;=cmd|\' /C calc\'!A0",2\r\n', ';')).toEqual([
      ['1,"x', "=cmd|' /C calc'!A0\",2"],
    ]);
    expect(readLikeExcel('1,"a,b",=c\r\n', ',')).toEqual([['1', 'a,b', '=c']]);
    expect(formulaCells('1,"x;=cmd"\r\n')).toEqual(['=cmd"']);
  });

  it("`x;=cmd|' /C calc'!A0` yields no formula cell whether read with , or ;", () => {
    const csv = csvFor({ reason: "x;=cmd|' /C calc'!A0" });
    expect(formulaCells(csv)).toEqual([]);
    const [header, row] = readLikeExcel(csv, ',');
    expect(row?.[header!.indexOf('reason')]).toBe("x;'=cmd|' /C calc'!A0");
  });

  it('quotes every text cell and leaves numbers and empty cells bare', () => {
    const line = entryToCsvLine(
      buildEntry(
        { seq: 0, hash: GENESIS_HASH },
        '01E',
        'requested',
        buildRecord({ durationMs: 412 }),
        new Date(0),
      ).entry,
    );
    const cells = line.trimEnd().split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/);
    expect(cells[0]).toBe('1');
    expect(cells).toContain('412');
    expect(cells).toContain('');
    for (const cell of cells.filter((c) => c !== '' && !/^\d+$/.test(c))) expect(cell).toMatch(/^".*"$/s);
  });

  it('no text, however built from separators, quotes, line breaks and triggers, yields a formula cell', () => {
    const nasty = fc.string({
      unit: fc.constantFrom(',', ';', '"', '\t', '\r', '\n', '=', '+', '-', '@', 'x', ' ', "'", '单'),
      maxLength: 12,
    });
    fc.assert(
      fc.property(nasty, nasty, nasty, (reason, wdtMessage, detail) => {
        expect(formulaCells(csvFor({ reason, wdtMessage, detail }))).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});
