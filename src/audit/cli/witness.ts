import type { AuditStore } from '../../core/ports/audit.js';

/** An entry as someone outside the database saw it: the chain head printed on a Slack message, or by verify. */
export interface Witness {
  seq: number;
  hash: string;
}

const WITNESS = /^#?(\d{1,15}):([0-9a-f]{64})$/i;

/** `SEQ:HASH` (as a result message shows it, `#` allowed); throws a message naming the bad value. */
export function parseWitness(value: string): Witness {
  const match = WITNESS.exec(value.trim());
  const seq = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(seq) || seq < 1) {
    throw new Error(
      `--witness takes SEQ:HASH, an entry number and its 64-hex-digit hash (e.g. 1234:3f9a…), got ${JSON.stringify(value.slice(0, 100))}`,
    );
  }
  return { seq, hash: match[2]!.toLowerCase() };
}

/**
 * What each witness finds in the chain, one line per witness. A chain that verifies can still have been cut
 * back (newest entries deleted) or rebuilt from some entry on: only a copy kept elsewhere shows that.
 * `quiet` witnesses (the many read from files) get a line only when they fail, and one line for all that match.
 */
export async function checkWitnesses(
  store: AuditStore,
  witnesses: readonly Witness[],
  chainLength: number,
  quiet: readonly Witness[] = [],
): Promise<{ ok: boolean; lines: string[] }> {
  const wanted = new Set([...witnesses, ...quiet].map((w) => w.seq));
  const found = new Map<number, string>();
  if (wanted.size > 0) {
    for await (const entry of store.entries()) {
      if (wanted.has(entry.seq)) found.set(entry.seq, entry.hash);
    }
  }
  const problem = ({ seq }: Witness): string => {
    const stored = found.get(seq);
    if (stored === undefined) {
      return `witness #${seq}: MISSING, the chain ends at entry #${chainLength}: entries were cut off after it`;
    }
    return `witness #${seq}: DIFFERS, the database holds ${stored}: the chain was rewritten at or before #${seq}`;
  };
  const holds = (w: Witness) => found.get(w.seq) === w.hash;
  const lines = witnesses.map((w) => (holds(w) ? `witness #${w.seq}: matches` : problem(w)));
  const quietFailures = quiet.filter((w) => !holds(w));
  lines.push(...quietFailures.slice(0, MAX_QUIET_FAILURES_SHOWN).map(problem));
  if (quietFailures.length > MAX_QUIET_FAILURES_SHOWN) {
    lines.push(
      `… and ${quietFailures.length - MAX_QUIET_FAILURES_SHOWN} more witnesses from files that fail`,
    );
  }
  const quietMatches = quiet.length - quietFailures.length;
  if (quiet.length > 0) lines.push(`witnesses from files: ${quietMatches} of ${quiet.length} match`);
  return { ok: witnesses.every(holds) && quietFailures.length === 0, lines };
}

const MAX_QUIET_FAILURES_SHOWN = 20;
